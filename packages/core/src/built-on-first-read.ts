/**
 * Objects whose values are made on first use: zod schemas cost tenths of a millisecond each
 * to build, and a `credential_process` call that builds every schema of the library at
 * import pays for many it never reads.
 */

/** `makers`' values, each made when its property is first read, then kept. */
export function builtOnFirstRead<T extends Record<string, () => unknown>>(
  makers: T,
): { readonly [K in keyof T]: ReturnType<T[K]> } {
  const built = {} as { [K in keyof T]: ReturnType<T[K]> };
  for (const [key, make] of Object.entries(makers)) {
    Object.defineProperty(built, key, {
      enumerable: true,
      configurable: true,
      get() {
        const value = make();
        Object.defineProperty(built, key, { value, enumerable: true });
        return value;
      },
    });
  }
  return built;
}
