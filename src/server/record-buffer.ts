import { randomBytes } from 'node:crypto';
import { writeSpoolSync } from '../config/spool.js';
import type { ManualRecord, ProcessReport } from '../metrics/process-report.js';

export type RecordBuffer = {
  /** Resolves once the record is in a spool file, so a 200 never stands for a record only in memory. */
  add(record: ManualRecord): Promise<void>;
  /** Write what is pending now (before a read that must see it, and at close). */
  flush(): void;
};

/**
 * Group commit for `performance/record`: the records that one turn of the event loop parsed go to one
 * spool file (src/config/spool.ts: atomic, merged like any process's report), written when the loop
 * reaches its check phase. Under load a batch holds every request of that turn; idle, each record is
 * written alone. No request takes the store's lock. Writing off the loop (fs.promises) measured no
 * faster on 2 cores and used more CPU in all.
 */
export function createRecordBuffer(storePath: string): RecordBuffer {
  let batch: ManualRecord[] = [];
  let settle: { resolve: () => void; reject: (error: unknown) => void } | undefined;
  let promise: Promise<void> | undefined;
  let scheduled: NodeJS.Immediate | undefined;
  let sequence = 0;

  function flush(): void {
    if (scheduled !== undefined) clearImmediate(scheduled);
    scheduled = undefined;
    if (batch.length === 0) return;
    const records = batch;
    const done = settle!;
    batch = [];
    settle = undefined;
    promise = undefined;
    const now = new Date().toISOString();
    const report: ProcessReport = {
      // Sorts after this server's earlier batches: the merge folds them in order.
      id: `server-${Date.now().toString(36)}-${(sequence++).toString(36).padStart(6, '0')}-${randomBytes(3).toString('hex')}`,
      pid: process.pid,
      started_at: now,
      ended_at: now,
      first: false,
      startup_s: null,
      ab: {},
      packages: {},
      shapes: {},
      events: [],
      records,
    };
    try {
      writeSpoolSync(storePath, report);
      done.resolve();
    } catch (error) {
      done.reject(error);
    }
  }

  return {
    add(record) {
      promise ??= new Promise<void>((resolve, reject) => {
        settle = { resolve, reject };
      });
      batch.push(record);
      scheduled ??= setImmediate(flush);
      return promise;
    },
    flush,
  };
}
