/**
 * What PreparedResponse and NodeRequest share: a light class that answers a
 * few members itself and forwards every other member of a web class
 * (Response, Request) to the full object, which its `materialize()` builds
 * on first use. The light class passes `instanceof` the web class.
 */

/** An object that can build the full web object it stands for. */
interface Materializable {
  materialize(): object;
}

/**
 * Makes `light` stand for `web`: every method and getter of `web.prototype`
 * not named in `own` forwards to `this.materialize()`, and `light` inherits
 * from `web` (so `instanceof` holds). Run once, at module load.
 */
export function delegateToMaterialized(light: { prototype: Materializable }, web: { prototype: object }, own: readonly string[]): void {
  const skipped = new Set(['constructor', ...own]);
  for (const key of Object.getOwnPropertyNames(web.prototype)) {
    if (skipped.has(key)) continue;
    const descriptor = Object.getOwnPropertyDescriptor(web.prototype, key);
    if (descriptor === undefined) continue;
    if (typeof descriptor.value === 'function') {
      Object.defineProperty(light.prototype, key, {
        configurable: true,
        writable: true,
        value(this: Materializable, ...args: unknown[]) {
          const real = this.materialize() as Record<string, (...a: unknown[]) => unknown>;
          return real[key]!.apply(real, args);
        },
      });
    } else if (descriptor.get !== undefined) {
      Object.defineProperty(light.prototype, key, {
        configurable: true,
        get(this: Materializable) {
          return (this.materialize() as Record<string, unknown>)[key];
        },
      });
    }
  }
  Object.setPrototypeOf(light.prototype, web.prototype);
}
