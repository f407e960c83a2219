import { fs, path } from '../builtins.js';
import type { ProcessReport } from '../metrics/process-report.js';
import { getStorePaths, writeFileAtomicSync } from './store-file.js';

const { readdirSync, readFileSync, rmSync, statSync } = fs;
const { join } = path;

/**
 * Each process appends its report as one file beside the store: no lock, no read of the store, constant
 * time whatever the store's size. Readers merge the spool into the store under the lock.
 */
export function writeSpoolSync(storePath: string, report: ProcessReport): void {
  writeFileAtomicSync(join(getStorePaths(storePath).spool, `${report.id}.json`), JSON.stringify(report));
}

export function listSpoolIds(storePath: string): string[] {
  try {
    return readdirSync(getStorePaths(storePath).spool)
      .filter((f) => f.endsWith('.json') && !f.startsWith('.'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

/** A spool file that cannot be parsed is reported and set aside, never merged half. */
export function readSpool(storePath: string, id: string): ProcessReport | Error {
  const file = join(getStorePaths(storePath).spool, `${id}.json`);
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ProcessReport;
  } catch (error) {
    return error as Error;
  }
}

export function removeSpool(storePath: string, id: string): void {
  rmSync(join(getStorePaths(storePath).spool, `${id}.json`), { force: true });
}

/** Temp files older than an hour were left by a process killed mid-write. */
export function removeStaleTempFiles(storePath: string, now = Date.now()): void {
  const dir = getStorePaths(storePath).spool;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.endsWith('.tmp')) continue;
    const file = join(dir, name);
    try {
      if (now - statSync(file).mtimeMs > 3_600_000) rmSync(file, { force: true });
    } catch {
      // Another merger removed it first.
    }
  }
}
