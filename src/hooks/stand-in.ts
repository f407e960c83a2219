import { inspect } from 'node:util';
import type { ExportKind, Shape } from '../config/store-schema.js';
import { isDeferrableKind } from './shape.js';

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
  const deferredProps = new Map<string, object>();
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
    if (typeof value !== 'function' || typeof real !== 'object' || isPlainObject(real)) return value;
    let bound = boundMethods.get(value);
    if (bound === undefined) {
      bound = new Proxy(value, {
        apply: (fn, thisArg, args) => Reflect.apply(fn, thisArg === proxy ? real : thisArg, args),
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
    const propKind: ExportKind | undefined = shape.props[key];
    if (!isDeferrableKind(propKind)) return undefined;
    let child = deferredProps.get(key);
    if (child === undefined) {
      child = createStandIn({
        kind: propKind,
        source: {
          get: () => {
            const real = use();
            return Reflect.get(real, key, real);
          },
          isLoaded: source.isLoaded,
        },
      });
      deferredProps.set(key, child);
    }
    return { value: child };
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
      return withRealThis(real, Reflect.get(real, key, receiver === proxy ? real : receiver));
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
        if (Reflect.getOwnPropertyDescriptor(t, key)?.configurable === false && !keys.includes(key)) keys.push(key);
      }
      return keys;
    },
    getOwnPropertyDescriptor(t, key) {
      const descriptor = Reflect.getOwnPropertyDescriptor(use(), key);
      pin(key, descriptor);
      const own = Reflect.getOwnPropertyDescriptor(t, key);
      if (own?.configurable === false && (descriptor === undefined || descriptor.configurable !== false)) return own;
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
