import { util } from '../builtins.js';
import type { ExportKind, Shape } from '../config/store-schema.js';
import { isDeferrableKind } from './shape.js';

const { inspect } = util;

/** The real value behind a stand-in, evaluated on demand. `get()` throws the module's own error unchanged. */
export type Source = {
  get(): unknown;
  isLoaded(): boolean;
};

export type StandInOptions = {
  kind: 'function' | 'arrow' | 'object' | 'array';
  source: Source;
  /** What the real value's own properties are, when learned: reading one of them defers further. */
  shape?: Pick<Shape, 'props' | 'esModule' | 'thenable'>;
  /** Called once, at the first operation that needs the real value. */
  onFirstUse?: () => void;
};

type AnyObject = Record<PropertyKey, unknown>;

const functionToString = Function.prototype.toString;

/** An export read from a not-yet-loaded stand-in: its own stand-in, and the value it stood for once known. */
type DeferredProp = { proxy: object; resolved: boolean; value: unknown };

function createTarget(kind: StandInOptions['kind']): object {
  // A function target keeps typeof and [[Call]]/[[Construct]]; its `prototype` is writable, so a get of a
  // class's non-writable `prototype` can still be reported (Proxy invariants bind to the target).
  if (kind === 'function') return function standIn() {};
  if (kind === 'arrow') return () => {};
  return kind === 'array' ? [] : {};
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || proto === Object.prototype;
}

/**
 * A Proxy that behaves as the real module value and evaluates it only when an operation needs it. Every
 * trap forwards to the real value; the target only carries what Proxy invariants demand of it.
 */
export function createStandIn(options: StandInOptions): object {
  const { kind, source, shape } = options;
  let onFirstUse = options.onFirstUse;
  const target = createTarget(kind);
  const deferredProps = new Map<string, DeferredProp>();
  // Methods of class instances (a Map, a Date, private fields) need their real `this`, not the Proxy.
  const boundMethods = new WeakMap<Function, Function>();

  function use(): AnyObject {
    if (onFirstUse !== undefined) {
      const notify = onFirstUse;
      onFirstUse = undefined;
      notify();
    }
    return source.get() as AnyObject;
  }

  function withRealThis(real: AnyObject, value: unknown): unknown {
    if (typeof value !== 'function') return value;
    // fn.toString() reads the source text of its `this`, which a Proxy does not have ("[native code]").
    if (typeof real === 'function' ? value !== functionToString : isPlainObject(real)) return value;
    let bound = boundMethods.get(value);
    if (bound === undefined) {
      bound = new Proxy(value, {
        apply(fn, thisArg, args) {
          const result = Reflect.apply(fn, thisArg === proxy ? real : thisArg, args);
          // A fluent method's `return this` hands back the stand-in the app holds, not a second identity.
          return thisArg === proxy && result === real ? proxy : result;
        },
      });
      boundMethods.set(value, bound);
    }
    return bound;
  }

  /** A property read that needs no evaluation, or undefined when it does. */
  function readWithoutLoading(key: PropertyKey): { value: unknown } | undefined {
    if (shape === undefined || typeof key !== 'string') return undefined;
    if (key === '__esModule') return { value: shape.esModule ? true : undefined };
    if (key === 'then' && !shape.thenable) return { value: undefined };
    // `class Sub extends StandIn` links Sub.prototype to what this read returns, and instanceof and
    // Object.getPrototypeOf compare it with the real prototype: only the real object is faithful.
    if (key === 'prototype' && typeof target === 'function') return undefined;
    const propKind: ExportKind | undefined = shape.props[key];
    if (!isDeferrableKind(propKind)) return undefined;
    let child = deferredProps.get(key);
    if (child === undefined) {
      // The value is read once, as destructuring reads it once: a getter is not called again at every
      // operation, and a later write to the module's property does not change what the app holds.
      const resolve = (): unknown => {
        if (entry.resolved) return entry.value;
        const real = use();
        const value = Reflect.get(real, key, real);
        settle(entry, value);
        return value;
      };
      const proxy = createStandIn({
        kind: propKind,
        source: { get: resolve, isLoaded: () => entry.resolved },
      });
      const entry: DeferredProp = { proxy, resolved: false, value: undefined };
      deferredProps.set(key, entry);
      child = entry;
    }
    return { value: child.proxy };
  }

  function settle(entry: DeferredProp, value: unknown): void {
    // While the module still evaluates (a cycle), its exports are partial: read again later.
    if (entry.resolved || !source.isLoaded()) return;
    entry.resolved = true;
    entry.value = value;
  }

  /** Once loaded, a read of an export handed out earlier as a stand-in returns that same stand-in. */
  function keepIdentity(key: PropertyKey, value: unknown, returned: unknown): unknown {
    const child = typeof key === 'string' ? deferredProps.get(key) : undefined;
    if (child === undefined || returned !== value) return returned;
    // A non-writable, non-configurable property pinned on the target must be reported as it is (Proxy invariant).
    const pinned = Reflect.getOwnPropertyDescriptor(target, key);
    if (pinned?.configurable === false && pinned.writable === false) return returned;
    settle(child, value);
    return child.resolved && child.value === value ? child.proxy : returned;
  }

  /** Keep the target's non-configurable properties as the real value's, as Proxy invariants require. */
  function pin(key: PropertyKey, descriptor: PropertyDescriptor | undefined): void {
    if (descriptor === undefined || descriptor.configurable !== false) return;
    try {
      Object.defineProperty(target, key, descriptor);
    } catch {
      // The target's own non-configurable property stays: the report below falls back to it.
    }
  }

  /** A non-extensible Proxy must report exactly its target's keys: make the target a copy of the real value. */
  function freezeTargetLike(real: AnyObject): void {
    for (const key of Reflect.ownKeys(target)) {
      if (!Object.hasOwn(real, key)) Reflect.deleteProperty(target, key);
    }
    for (const key of Reflect.ownKeys(real)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(real, key);
      if (descriptor !== undefined) {
        try {
          Object.defineProperty(target, key, descriptor);
        } catch {}
      }
    }
    Object.setPrototypeOf(target, Reflect.getPrototypeOf(real));
    Object.preventExtensions(target);
  }

  const proxy: object = new Proxy(target, {
    get(_t, key, receiver) {
      if (!source.isLoaded()) {
        const early = readWithoutLoading(key);
        if (early !== undefined) return early.value;
      }
      const real = use();
      const value = Reflect.get(real, key, receiver === proxy ? real : receiver);
      const returned = withRealThis(real, value);
      return receiver === proxy ? keepIdentity(key, value, returned) : returned;
    },
    set(_t, key, value, receiver) {
      const real = use();
      return Reflect.set(real, key, value, receiver === proxy ? real : receiver);
    },
    has: (_t, key) => Reflect.has(use(), key),
    deleteProperty: (_t, key) => Reflect.deleteProperty(use(), key),
    ownKeys(t) {
      const keys = Reflect.ownKeys(use());
      for (const key of Reflect.ownKeys(t)) {
        if (Reflect.getOwnPropertyDescriptor(t, key)?.configurable === false && !keys.includes(key))
          keys.push(key);
      }
      return keys;
    },
    getOwnPropertyDescriptor(t, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(use(), key);
      pin(key, descriptor);
      const own = Reflect.getOwnPropertyDescriptor(t, key);
      if (own?.configurable === false && (descriptor === undefined || descriptor.configurable !== false))
        return own;
      return descriptor;
    },
    defineProperty(_t, key, descriptor) {
      const real = use();
      const ok = Reflect.defineProperty(real, key, descriptor);
      if (ok) pin(key, Reflect.getOwnPropertyDescriptor(real, key));
      return ok;
    },
    getPrototypeOf: () => Reflect.getPrototypeOf(use()),
    setPrototypeOf: (_t, proto) => Reflect.setPrototypeOf(use(), proto),
    isExtensible(t) {
      const real = use();
      if (!Reflect.isExtensible(real) && Reflect.isExtensible(t)) freezeTargetLike(real);
      return Reflect.isExtensible(t);
    },
    preventExtensions(t) {
      const real = use();
      Reflect.preventExtensions(real);
      if (Reflect.isExtensible(t)) freezeTargetLike(real);
      return true;
    },
    apply: (_t, thisArg, args) => Reflect.apply(use() as unknown as Function, thisArg, args),
    construct: (_t, args, newTarget) => {
      const real = use() as unknown as Function;
      // new.target is forwarded, so `class Sub extends StandIn` constructs a Sub.
      return Reflect.construct(real, args, newTarget === proxy ? real : newTarget);
    },
  });

  // util.inspect (console.log) reads the target, not the traps: let it show the real value.
  Object.defineProperty(target, inspect.custom, {
    configurable: true,
    enumerable: false,
    value: (depth: number, opts: object) => inspect(use(), { ...opts, depth }),
  });
  return proxy;
}
