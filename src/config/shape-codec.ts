// How learned shapes are kept in the files beside the boot view: each `props` map grouped by kind, as
// lists of names. A package like typescript exports 2,246 names; JSON.parse of them as one object took
// ~2.7 ms at a boot (every key internalized into a dictionary), as lists ~0.4 ms. The decoded props are a
// read-only view answering lookups from one Set per kind, built at the first lookup.
import type { ExportKind, Shape } from './store-schema.js';

type Grouped = Partial<Record<ExportKind, string[]>>;
type EncodedShape = Omit<Shape, 'props' | 'default_props'> & { props: Grouped; default_props?: Grouped };

function group(props: Record<string, ExportKind>): Grouped {
  const grouped: Grouped = {};
  for (const [name, kind] of Object.entries(props)) (grouped[kind] ??= []).push(name);
  return grouped;
}

/** A props map over grouped names: lookups, `in`, Object.keys and JSON.stringify behave as on the object. */
function ungroup(grouped: Grouped): Record<string, ExportKind> {
  const lists = Object.entries(grouped) as [ExportKind, string[]][];
  let sets: [ExportKind, Set<string>][] | undefined;
  let lookups = 0;
  const kindOf = (key: string | symbol): ExportKind | undefined => {
    if (typeof key !== 'string') return undefined;
    // A boot looks up a few names: a scan of the lists (~10 µs for 2,246 names) beats building Sets (~2 ms).
    if (sets === undefined && ++lookups <= 32) {
      for (const [kind, names] of lists) if (names.includes(key)) return kind;
      return undefined;
    }
    sets ??= lists.map(([kind, names]) => [kind, new Set(names)]);
    for (const [kind, names] of sets) if (names.has(key)) return kind;
    return undefined;
  };
  return new Proxy({} as Record<string, ExportKind>, {
    get: (_, key) => kindOf(key),
    has: (_, key) => kindOf(key) !== undefined,
    ownKeys: () => Object.values(grouped).flat(),
    getOwnPropertyDescriptor(_, key) {
      const kind = kindOf(key);
      return kind === undefined
        ? undefined
        : { value: kind, writable: false, enumerable: true, configurable: true };
    },
    set: () => false,
    defineProperty: () => false,
    deleteProperty: () => false,
  });
}

export function encodeShapes(shapes: Record<string, Shape>): string {
  const encoded: Record<string, EncodedShape> = {};
  for (const [key, shape] of Object.entries(shapes)) {
    const { props, default_props, ...rest } = shape;
    encoded[key] = {
      ...rest,
      props: group(props),
      ...(default_props && { default_props: group(default_props) }),
    };
  }
  return JSON.stringify(encoded);
}

export function decodeShapes(text: string): Record<string, Shape> {
  const decoded: Record<string, Shape> = {};
  for (const [key, shape] of Object.entries(JSON.parse(text) as Record<string, EncodedShape>)) {
    const { props, default_props, ...rest } = shape;
    decoded[key] = {
      ...rest,
      props: ungroup(props),
      ...(default_props && { default_props: ungroup(default_props) }),
    };
  }
  return decoded;
}
