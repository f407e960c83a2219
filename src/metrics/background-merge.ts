import { fs } from '../builtins.js';
import { listSpoolIds } from '../config/spool.js';
import type { ProcessReport } from './process-report.js';

/** Spool files that make a process start a merge as it ends. */
export const SPOOL_PILE_UP = 200;
/** One exit in this many counts the spool (a directory listing at every exit cost ~0.6 ms). */
const COUNT_ONE_EXIT_IN = 16;
/**
 * Fold the spool into the store from a detached child, so neither this process's exit nor its boot pays
 * for the store's size: when the spool piles up, or when this run learned shapes the next run needs to
 * defer. A merge already running (the lock exists) is left to finish. The pile is counted at one exit in
 * 16, so it merges at about 200–230 files.
 */
export function maybeMergeInBackground(storePath: string, report: ProcessReport): void {
  const learned = Object.keys(report.shapes).length > 0;
  if (!learned) {
    if (Math.random() * COUNT_ONE_EXIT_IN >= 1) return;
    if (listSpoolIds(storePath).length < SPOOL_PILE_UP) return;
  }
  if (fs.existsSync(`${storePath}.lock`)) return;
  const { spawn } = process.getBuiltinModule('node:child_process');
  // This file runs bundled (dist/preload.js) and unbundled (dist/metrics/): find dist/ either way.
  const here = import.meta.url;
  const cli = new URL(`${here.slice(0, here.lastIndexOf('/dist/') + 6)}cli.js`);
  const child = spawn(process.execPath, [cli.pathname, 'merge'], {
    detached: true,
    stdio: 'ignore',
    env: { ...process.env, LOADSTRAT_CONFIG: storePath, LOADSTRAT_DISABLE: '1', NODE_OPTIONS: '' },
  });
  child.on('error', () => {});
  child.unref();
}
