import { listSpoolIds } from '../config/spool.js';
import { readStore, updateStore } from '../config/store.js';
import type { StoreData } from '../config/store-schema.js';
import { createRecordBuffer, type RecordBuffer } from './record-buffer.js';

export type ServerDeps = {
  /** Absolute path of the store file. */
  storePath: string;
  /** The Bearer token every `/api` request must present. */
  token: string;
  /** Fastify's logger option: false in tests, a pino level for `loadstrat serve`. */
  logger?: boolean | { level: string };
  /** Largest request body in bytes (413 above it); the fleet's report batches get `fleetBodyLimit`. */
  bodyLimit?: number;
  fleetBodyLimit?: number;
  /** How often the spool is folded into the store while the server runs; 0 turns it off. */
  mergeIntervalMs?: number;
  now?: () => Date;
};

/** What every route group gets: the store, serialized within this server and locked across processes. */
export type ServerContext = {
  storePath: string;
  records: RecordBuffer;
  /** Largest body in bytes: every route, and the fleet's report batches. */
  limits: { body: number; fleetBody: number };
  now(): Date;
  /** The store with every spooled measurement (this server's buffered records included) folded in. */
  read(): Promise<StoreData>;
  /** Change the store under its lock; `change` may throw a LoadstratError to abort without writing. */
  update<T>(change: (data: StoreData) => T): Promise<T>;
  close(): Promise<void>;
};

export function createServerContext(deps: ServerDeps): ServerContext {
  const { storePath } = deps;
  const records = createRecordBuffer(storePath);
  // One store operation at a time from this server: the inter-process lock then only arbitrates between
  // processes, instead of this server's own requests polling for it.
  let queue: Promise<unknown> = Promise.resolve();
  const serialize = <T>(operation: () => Promise<T>): Promise<T> => {
    const result = queue.then(operation, operation);
    queue = result.catch(() => undefined);
    return result;
  };

  let merging = false;
  const mergeInBackground = () => {
    if (merging) return;
    records.flush();
    if (listSpoolIds(storePath).length === 0) return;
    merging = true;
    serialize(() => readStore(storePath))
      .catch(() => {
        // The next read reports the problem to its client; a background merge has no one to tell.
      })
      .finally(() => {
        merging = false;
      });
  };
  const interval = deps.mergeIntervalMs ?? 5_000;
  const timer = interval > 0 ? setInterval(mergeInBackground, interval) : undefined;
  timer?.unref();

  return {
    storePath,
    records,
    limits: { body: deps.bodyLimit ?? 64 * 1024, fleetBody: deps.fleetBodyLimit ?? 8 * 1024 * 1024 },
    now: deps.now ?? (() => new Date()),
    read() {
      // Pending records go to the spool before the merge: a read sees every record answered before it.
      records.flush();
      return serialize(() => readStore(storePath));
    },
    update(change) {
      records.flush();
      return serialize(() => updateStore(storePath, change));
    },
    async close() {
      if (timer !== undefined) clearInterval(timer);
      records.flush();
      await queue;
    },
  };
}
