// `Symbol.dispose` (explicit resource management: TypeScript's `using`), declared for every
// TypeScript version the package supports: 5.2+ merges this with its own declaration, older ones get
// just this. At run time the method is added only where the engine has the symbol.
declare global {
  interface SymbolConstructor {
    readonly dispose: unique symbol;
  }
}

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
