// What each importing module takes from each package, kept between runs beside the store: lexing a module
// costs ~10 ms per MB (a bundled app is megabytes) plus ~2 ms to compile the lexer at all. One small file per
// importing module and version of it (size, mtime, ctime), written by the first run that lexed it; a file for
// another version of the same module is removed then.

import { fnv1a32 } from '../analysis/ab-assign.js';
import { fs, path } from '../builtins.js';
import { ALL, BARE, type ImportUsage } from './import-usage.js';

const { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } = fs;
const { join } = path;

type Stored = Record<string, typeof ALL | typeof BARE | string[]>;

export type UsageCache = {
  read(file: string, stamp: string): Map<string, ImportUsage> | undefined;
  write(file: string, stamp: string, usages: Map<string, ImportUsage>): void;
};

const prefixOf = (file: string) => `${fnv1a32(file).toString(36)}-`;
const nameOf = (file: string, stamp: string) => `${prefixOf(file)}${stamp.replaceAll(':', '-')}.json`;

/** A cache in `dir`, or none (undefined): every run lexes. Its failures only cost a lex. */
export function createUsageCache(dir: string | undefined): UsageCache {
  if (dir === undefined) return { read: () => undefined, write: () => {} };
  return {
    read(file, stamp) {
      try {
        const stored = JSON.parse(readFileSync(join(dir, nameOf(file, stamp)), 'utf8')) as {
          file: string;
          usages: Stored;
        };
        // Two paths with one hash: the file says whose it is.
        if (stored.file !== file) return undefined;
        return new Map(
          Object.entries(stored.usages).map(([specifier, usage]) => [
            specifier,
            usage === ALL || usage === BARE ? usage : new Set(usage),
          ]),
        );
      } catch {
        return undefined;
      }
    },
    write(file, stamp, usages) {
      try {
        mkdirSync(dir, { recursive: true });
        const prefix = prefixOf(file);
        for (const old of readdirSync(dir))
          if (old.startsWith(prefix)) rmSync(join(dir, old), { force: true });
        const stored: Stored = {};
        for (const [specifier, usage] of usages)
          stored[specifier] = typeof usage === 'string' ? usage : [...usage];
        const target = join(dir, nameOf(file, stamp));
        const temp = `${target}.${process.pid}.tmp`;
        writeFileSync(temp, JSON.stringify({ file, usages: stored }));
        renameSync(temp, target);
      } catch {
        // A read-only or full disk: the next run lexes again.
      }
    },
  };
}
