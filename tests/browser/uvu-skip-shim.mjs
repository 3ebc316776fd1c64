// Browser bundle only (tests/browser/suites.mjs points every `import "uvu"` here): the real uvu,
// with suites wrapped so that tests listed in BROWSER_SKIPS (globalThis.__uvuSkips) for the file
// being loaded (globalThis.__uvuFile) register as uvu skips. Nothing else changes.
import { exec, suite as realSuite, test as realTest } from "uvu";

function wrap(target) {
  return new Proxy(target, {
    apply(fn, thisArg, args) {
      const title = String(args[0]);
      const rule = (globalThis.__uvuSkips || []).find((r) => r.file === globalThis.__uvuFile && title.startsWith(r.test));
      if (rule) {
        rule.hits = (rule.hits || 0) + 1;
        return fn.skip(...args);
      }
      return Reflect.apply(fn, thisArg, args);
    },
  });
}

export const suite = (name, state) => wrap(realSuite(name, state));
export const test = wrap(realTest);
export { exec };
