// `Symbol.dispose` (explicit resource management: TypeScript's `using`). At run time the method is
// added only where the engine has the symbol; its type is declared beside the class that has it.

/** Gives `Type` a `[Symbol.dispose]()` calling `dispose()`, where the engine knows `Symbol.dispose`. */
export function addDispose(Type: { prototype: { dispose(): void } }): void {
  const symbol = (Symbol as { dispose?: symbol }).dispose;
  if (typeof symbol !== "symbol") return;
  Object.defineProperty(Type.prototype, symbol, {
    value(this: { dispose(): void }) {
      this.dispose();
    },
    writable: true,
    configurable: true,
  });
}
