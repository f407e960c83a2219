// Which exports of a package one importing module takes, read from its source without evaluating it: a
// facade can stand in for a package that exports primitives (`version`) as long as this importer does not
// import one, because an export binding is fixed at link time and a stand-in cannot be a string.

/** Every export (namespace, `export *`, dynamic import, or a statement we cannot read). */
export const ALL = 'all';
/** An import without bindings (`import 'p'`): the importer wants the package evaluated, nothing more. */
export const BARE = 'bare';
export type ImportUsage = ReadonlySet<string> | typeof ALL | typeof BARE;

/** The minimal es-module-lexer's import record: specifier, type, statement and specifier offsets. */
export type LexedImport = { n: string | undefined; t: number; s: number; ss: number; d: number };

const STATIC_IMPORT = 1;
const COMMENTS = /\/\*[\s\S]*?\*\/|\/\/[^\n]*/g;
// An identifier (any non-ASCII letters included) or a string name; no Unicode property classes: they cost
// more than a millisecond to compile, at every boot that defers an import.
const NAME = String.raw`(?:[\w$\u0080-\uffff]+|"[^"]*"|'[^']*')`;
const SPECIFIER = new RegExp(String.raw`^(${NAME})(?:\s+as\s+${NAME})?$`);
const DEFAULT_BINDING = new RegExp(String.raw`^${NAME}$`);

function unquote(name: string): string {
  return name.startsWith('"') || name.startsWith("'") ? name.slice(1, -1) : name;
}

/** The names one static `import …`/`export … from` clause takes, or ALL/BARE; undefined when unreadable. */
export function readClause(statement: string): ImportUsage | undefined {
  const text = statement.replace(COMMENTS, ' ').trim();
  const keyword = /^(import|export)\b/.exec(text)?.[1];
  if (keyword === undefined) return undefined;
  let clause = text.slice(keyword.length).trim();
  if (clause === '') return BARE;
  if (!clause.endsWith('from')) return undefined;
  clause = clause.slice(0, -'from'.length).trim();
  if (clause.startsWith('*') || clause.includes('* as')) return ALL;
  const names = new Set<string>();
  const brace = clause.indexOf('{');
  const head = (brace === -1 ? clause : clause.slice(0, brace)).replace(/,\s*$/, '').trim();
  if (head !== '') {
    // `import x from` / `import x, { … } from`: the default export. An export clause has no default part.
    if (keyword === 'export' || !DEFAULT_BINDING.test(head)) return undefined;
    names.add('default');
  }
  if (brace !== -1) {
    if (!clause.endsWith('}')) return undefined;
    for (const part of clause.slice(brace + 1, -1).split(',')) {
      const item = part.trim();
      if (item === '') continue;
      const match = SPECIFIER.exec(item);
      if (match?.[1] === undefined) return undefined;
      names.add(unquote(match[1]));
    }
  }
  // `import {} from 'p'`, `export {} from 'p'`: no bindings, only the evaluation.
  return names.size === 0 ? BARE : names;
}

function combine(a: ImportUsage | undefined, b: ImportUsage): ImportUsage {
  if (a === undefined) return b;
  if (a === ALL || b === ALL) return ALL;
  if (a === BARE || b === BARE) return BARE;
  return new Set([...a, ...b]);
}

/**
 * What a module's imports take from each specifier, combined over its statements. A specifier missing from
 * the map (an import map, a computed `import(x)`) should be read as ALL.
 */
export function getImportUsages(source: string, imports: readonly LexedImport[]): Map<string, ImportUsage> {
  const usages = new Map<string, ImportUsage>();
  for (const record of imports) {
    if (record.n === undefined) continue;
    // Dynamic imports, `export * from`, source/defer phases: the whole namespace may be read.
    const usage =
      record.t === STATIC_IMPORT && record.d === -1
        ? // The statement up to the specifier's opening quote.
          (readClause(source.slice(record.ss, record.s - 1)) ?? ALL)
        : ALL;
    usages.set(record.n, combine(usages.get(record.n), usage));
  }
  return usages;
}
