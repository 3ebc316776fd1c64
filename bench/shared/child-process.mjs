// Starts a suite's child-process entry. Each contender runs in a fresh Node process so no library's
// heap or WebAssembly memory (which never shrinks) is alive while another is timed. The child
// shares the terminal (stdout, stderr) and talks to the parent over IPC only.
import { fork } from "node:child_process";

/** Forks `entry` (a URL of a module that waits for one message), sends it `message`, returns the child. */
export function startChild(entry, message) {
  const child = fork(entry, [], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  child.send(message);
  return child;
}
