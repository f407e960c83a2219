import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import lockfile from 'proper-lockfile';
import { ErrorCode, LoadstratError } from '../errors.js';
import { createAggregator } from '../metrics/aggregate.js';
import { completeDueAbTests } from './ab-tests.js';
import { writeBootView } from './boot-view.js';
import { listSpoolIds, readSpool, removeSpool, removeStaleTempFiles } from './spool.js';
import { parseStore } from './store-file.js';
import { createEmptyStore, type StoreData } from './store-schema.js';

// A lock older than this belongs to a process that died holding it (proper-lockfile refreshes its mtime).
const LOCK_STALE_MS = 10_000;

function openDb(path: string): Low<StoreData> {
  return new Low(
    new DataFile<StoreData>(path, {
      parse: (text) => parseStore(text, path),
      // Compact: the store can reach tens of MB, and indentation doubles both its size and its write time.
      stringify: (data) => `${JSON.stringify(data)}\n`,
    }),
    createEmptyStore(),
  );
}

async function lock(path: string): Promise<() => Promise<void>> {
  mkdirSync(dirname(path), { recursive: true });
  try {
    return await lockfile.lock(path, {
      realpath: false,
      stale: LOCK_STALE_MS,
      retries: { retries: 200, factor: 1.3, minTimeout: 5, maxTimeout: 250, randomize: true },
    });
  } catch (cause) {
    throw new LoadstratError(ErrorCode.Lock, `could not lock ${path}: ${(cause as Error).message}`, {
      cause,
    });
  }
}

/** Fold every spool file into the store's data; returns the ids merged. */
function mergeSpoolsInto(path: string, data: StoreData): string[] {
  const already = new Set(data.merged_spools);
  const ids = listSpoolIds(path);
  const aggregator = createAggregator(data);
  const merged: string[] = [];
  for (const id of ids) {
    // Merged by a merger that died before deleting it: counting it again would double it.
    if (already.has(id)) {
      removeSpool(path, id);
      continue;
    }
    const report = readSpool(path, id);
    if (report instanceof Error) {
      data.events.push({
        at: new Date().toISOString(),
        code: ErrorCode.CorruptStore,
        message: `spool file ${id}.json is unreadable and was removed: ${report.message}`,
        package_name: null,
      });
      removeSpool(path, id);
      continue;
    }
    aggregator.addReport(report);
    merged.push(id);
  }
  aggregator.finish();
  data.merged_spools = merged;
  return merged;
}

/**
 * Every change to the store goes through here: under the inter-process lock, read, fold in the spool,
 * apply `change`, write atomically (lowdb writes a temp file and renames it), refresh the boot view,
 * then delete the merged spool files.
 */
export async function updateStore<T>(
  path: string,
  change: (data: StoreData) => T | Promise<T>,
  options: { onlyIfMerged?: boolean } = {},
): Promise<T> {
  const release = await lock(path);
  try {
    const db = openDb(path);
    await db.read();
    const merged = mergeSpoolsInto(path, db.data);
    // A test past duration_days completes itself at the first write after its end.
    const expired = completeDueAbTests(db.data).length > 0;
    const result = await change(db.data);
    if (options.onlyIfMerged && merged.length === 0 && !expired) return result;
    await db.write();
    writeBootView(path, db.data);
    for (const id of merged) removeSpool(path, id);
    removeStaleTempFiles(path);
    return result;
  } finally {
    await release().catch(() => {});
  }
}

/** The store with every process's measurements folded in (which writes it, under the lock). */
export async function readStore(path: string): Promise<StoreData> {
  return updateStore(path, (data) => data, { onlyIfMerged: true });
}
