/**
 * How `ctx.host` classifies what passes through it (api-scope.ts):
 * the marks API authors put on returned values (`tracked`, `untracked`),
 * what counts as the undo of a registration, and which values are wrapped
 * and which are platform objects or data handed out as they are.
 */

/** How an API author marked a returned value. */
const marks = new WeakMap<object, 'tracked' | 'untracked'>();

/** The mark `tracked` or `untracked` put on `value`, if any. */
export function markOf(value: object): 'tracked' | 'untracked' | undefined {
  return marks.get(value);
}

/**
 * Marks a value a host API function returns as a disposer: it is called (a
 * function) or disposed (an object with a disposal method) when the calling
 * plugin version closes, even when no callback was passed. Returns the value.
 *
 * @example
 * const api = { openChannel: (name: string) => tracked(channels.open(name)) };
 */
export function tracked<T extends object>(value: T): T {
  marks.set(value, 'tracked');
  return value;
}

/**
 * Marks a value a host API function returns as plain data: never treated as
 * a disposer, even when the call received a callback. Returns the value.
 *
 * @example
 * const api = { debounce: (fn: () => void, ms: number) => untracked(debounce(fn, ms)) };
 */
export function untracked<T extends object>(value: T): T {
  marks.set(value, 'untracked');
  return value;
}

/** Any function, as the wrapper calls it. */
export type AnyFunction = (...args: unknown[]) => unknown;

const symbols = Symbol as unknown as { dispose?: symbol; asyncDispose?: symbol };

/** The methods that undo a registration, in the order they are looked for. */
const DISPOSAL_KEYS: ReadonlyArray<PropertyKey> = [
  ...(symbols.dispose ? [symbols.dispose] : []),
  ...(symbols.asyncDispose ? [symbols.asyncDispose] : []),
  'dispose',
  'unsubscribe',
  'close',
  'cancel',
  'remove',
];

/** Prototypes already classified by isPlatform. */
const platformPrototypes = new WeakMap<object, boolean>();

/** True when `prototype` belongs to a global class (`globalThis[name] === constructor`). */
function isGlobalClassPrototype(prototype: object): boolean {
  const owner = Object.getOwnPropertyDescriptor(prototype, 'constructor')?.value as unknown;
  if (typeof owner !== 'function' || owner.name === '') return false;
  return (globalThis as Record<string, unknown>)[owner.name] === owner;
}

/**
 * True for an object of the platform (Array, Map, Date, Promise, Error,
 * typed arrays, AbortSignal, Response, Blob, URL, streams, ports, …): an
 * instance of a global class other than Object and EventTarget, or of a
 * subclass of one. Those are handed out as they are: a wrapper would fail
 * their brand checks (`fetch(url, { signal })`, `new Blob([blob])`).
 */
function isPlatform(value: object): boolean {
  const first = Object.getPrototypeOf(value) as object | null;
  if (first === null) return false;
  const known = platformPrototypes.get(first);
  if (known !== undefined) return known;
  let platform = false;
  for (let at: object | null = first; at && at !== Object.prototype; at = Object.getPrototypeOf(at) as object | null) {
    if (at !== EventTarget.prototype && isGlobalClassPrototype(at)) {
      platform = true;
      break;
    }
  }
  platformPrototypes.set(first, platform);
  return platform;
}

/** True for objects and functions. */
export function isObject(value: unknown): value is object {
  return (typeof value === 'object' && value !== null) || typeof value === 'function';
}

function isPlain(value: object): boolean {
  const prototype = Object.getPrototypeOf(value) as unknown;
  return prototype === Object.prototype || prototype === null;
}

/**
 * Whether `ctx.host` wraps a value it hands to the plugin: functions,
 * objects of the host's own classes, and plain objects — except, as
 * property values, flat data (only primitives and platform objects inside)
 * and, as call results, plain objects without methods. Platform objects
 * never.
 */
export function wraps(value: unknown, asResult: boolean): value is object {
  if (!isObject(value)) return false;
  if (typeof value === 'function') return true;
  if (isPlatform(value)) return false;
  if (!isPlain(value)) return true;
  const values = Object.values(Object.getOwnPropertyDescriptors(value)).map((descriptor) => descriptor.value as unknown);
  if (asResult) return values.some((inner) => typeof inner === 'function');
  return values.some((inner) => isObject(inner) && (typeof inner === 'function' || !isPlatform(inner)));
}

/** The undo of `value`: itself when a function, its disposal method bound to it when an object. */
export function undoOf(value: unknown): (() => unknown) | undefined {
  if (typeof value === 'function') return value as () => unknown;
  if (typeof value !== 'object' || value === null) return undefined;
  for (const key of DISPOSAL_KEYS) {
    const method = (value as Record<PropertyKey, unknown>)[key];
    if (typeof method === 'function') return () => (method as AnyFunction).call(value);
  }
  return undefined;
}
