import { fs, path } from '../builtins.js';
import { ErrorCode, LoadstratError } from '../errors.js';
import { createEmptyStore, STORE_VERSION, type StoreData } from './store-schema.js';
import { isStrategy } from './strategies.js';

const { readFileSync, renameSync, writeFileSync, mkdirSync } = fs;
const { dirname, basename, join } = path;

/** Where the files beside the store live: the spool, the boot view, learned shapes and importers' lexed imports. */
export function getStorePaths(storePath: string) {
  const dir = `${storePath}.d`;
  return {
    store: storePath,
    dir,
    spool: join(dir, 'spool'),
    bootView: join(dir, 'boot.json'),
    shapes: join(dir, 'shapes'),
    usages: join(dir, 'usages'),
    token: join(dir, 'api-token'),
  };
}

/** Parse and check a store's text; a file we do not understand is an error, never silently replaced. */
export function parseStore(text: string, path: string): StoreData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (cause) {
    throw new LoadstratError(
      ErrorCode.CorruptStore,
      `${path} is not valid JSON (${(cause as Error).message})`,
      { cause },
    );
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new LoadstratError(
      ErrorCode.CorruptStore,
      `${path} does not hold a loadstrat store (expected a JSON object)`,
    );
  }
  const data = raw as Partial<StoreData>;
  // A seed-era file (configurations/ab_tests only) has no version: it is version 1's subset.
  const version = data.version ?? STORE_VERSION;
  if (version !== STORE_VERSION) {
    throw new LoadstratError(
      ErrorCode.UnknownStoreVersion,
      `${path} has store version ${JSON.stringify(version)}; this loadstrat reads version ${STORE_VERSION}`,
    );
  }
  const store = { ...createEmptyStore(), ...data, version: STORE_VERSION } as StoreData;
  const arrays = ['configurations', 'ab_tests', 'performance', 'startup', 'events', 'merged_spools'] as const;
  for (const key of arrays) {
    if (!Array.isArray(store[key])) {
      throw new LoadstratError(ErrorCode.CorruptStore, `${path}: field '${key}' must be an array`);
    }
  }
  if (typeof store.packages !== 'object' || store.packages === null || Array.isArray(store.packages)) {
    throw new LoadstratError(ErrorCode.CorruptStore, `${path}: field 'packages' must be an object`);
  }
  if (!isStrategy(store.global_default_strategy)) {
    throw new LoadstratError(
      ErrorCode.CorruptStore,
      `${path}: global_default_strategy ${JSON.stringify(store.global_default_strategy)} is not a strategy`,
    );
  }
  for (const [i, c] of store.configurations.entries()) {
    if (typeof c?.package_name !== 'string' || !isStrategy(c.strategy)) {
      throw new LoadstratError(
        ErrorCode.CorruptStore,
        `${path}: configurations[${i}] needs package_name and a valid strategy`,
      );
    }
  }
  return store;
}

/** Read the store, or an empty one when the file does not exist. */
export function readStoreSync(path: string): StoreData {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return createEmptyStore();
    throw error;
  }
  return parseStore(text, path);
}

/** Write beside the target and rename over it: a crash mid-write leaves the old file or the new one. */
export function writeFileAtomicSync(path: string, text: string, mode?: number): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 10)}.tmp`,
  );
  writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  renameSync(tmp, path);
}
