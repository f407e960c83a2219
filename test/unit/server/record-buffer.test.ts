import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listSpoolIds, readSpool } from '../../../src/config/spool.js';
import { readStore } from '../../../src/config/store.js';
import type { ManualRecord, ProcessReport } from '../../../src/metrics/process-report.js';
import { createRecordBuffer } from '../../../src/server/record-buffer.js';

function record(i: number): ManualRecord {
  return {
    package_name: `p${i % 3}`,
    strategy: 'lazy',
    load_time: i / 1000,
    memory_usage: 10,
    success: true,
    user_satisfaction: null,
    system_impact: null,
    at: new Date().toISOString(),
  };
}

function tempStore(): string {
  return join(mkdtempSync(join(tmpdir(), 'loadstrat-buffer-')), 'strategy_config.json');
}

describe('createRecordBuffer', () => {
  it('writes records that arrive together as few spool files, each resolved once written', async () => {
    const store = tempStore();
    const buffer = createRecordBuffer(store);
    const acks = Array.from({ length: 500 }, (_, i) => buffer.add(record(i)));
    await Promise.all(acks);
    const ids = listSpoolIds(store);
    expect(ids).toHaveLength(1);
    const written = ids.flatMap((id) => (readSpool(store, id) as ProcessReport).records);
    expect(written.map((r) => r.load_time)).toEqual(Array.from({ length: 500 }, (_, i) => i / 1000));
    const merged = await readStore(store);
    expect(merged.performance.reduce((n, b) => n + b.count, 0)).toBe(500);
    expect(listSpoolIds(store)).toEqual([]);
  });

  it('flush() writes what is pending synchronously', async () => {
    const store = tempStore();
    const buffer = createRecordBuffer(store);
    const first = buffer.add(record(1));
    const second = buffer.add(record(2));
    buffer.flush();
    expect(listSpoolIds(store)).toHaveLength(1);
    await Promise.all([first, second]);
    const count = listSpoolIds(store)
      .map((id) => (readSpool(store, id) as ProcessReport).records.length)
      .reduce((a, b) => a + b, 0);
    expect(count).toBe(2);
  });

  it('a write that fails rejects its records’ promises and leaves no partial file', async () => {
    const store = tempStore();
    // The spool's folder cannot be created: a file stands where it should be.
    writeFileSync(`${store}.d`, 'not a folder');
    const buffer = createRecordBuffer(store);
    await expect(buffer.add(record(1))).rejects.toThrow();
    const pending = buffer.add(record(2));
    buffer.flush();
    await expect(pending).rejects.toThrow();
  });
});
