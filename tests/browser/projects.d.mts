// Types of projects.mjs, for the TypeScript suites that use it.
export declare const ROOT: string;
export declare function run(command: string, args: string[], options?: { cwd?: string; env?: Record<string, string>; timeoutMs?: number }): Promise<{ code: number; output: string }>;
export declare function pack(dir: string): Promise<{ tarball: string; files: string[]; size: number; unpackedSize: number }>;
export declare function makeProject(dir: string, tarball: string): Promise<string>;
