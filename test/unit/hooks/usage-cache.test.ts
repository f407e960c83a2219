import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ALL, BARE, type ImportUsage } from '../../../src/hooks/import-usage.js';
import { createUsageCache } from '../../../src/hooks/usage-cache.js';

const usages = new Map<string, ImportUsage>([
  ['typescript', new Set(['default'])],
  ['rxjs', new Set(['Observable', 'of'])],
  ['zoo', ALL],
  ['polyfill', BARE],
]);

describe('importers’ lexed imports kept between runs', () => {
  it('reads back what a run wrote, for that version of the importing module only', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'loadstrat-usages-')), 'usages');
    const cache = createUsageCache(dir);
    expect(cache.read('/app/main.mjs', '10:1')).toBeUndefined();
    cache.write('/app/main.mjs', '10:1', usages);
    expect(cache.read('/app/main.mjs', '10:1')).toEqual(usages);
    expect(cache.read('/app/main.mjs', '11:2')).toBeUndefined();
    expect(cache.read('/app/other.mjs', '10:1')).toBeUndefined();
  });

  it('replaces the file of an older version of the same module, and keeps other modules’ files', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'loadstrat-usages-')), 'usages');
    const cache = createUsageCache(dir);
    cache.write('/app/main.mjs', '10:1', usages);
    cache.write('/app/lib.mjs', '5:1', new Map());
    cache.write('/app/main.mjs', '12:3', new Map([['lodash', new Set(['chunk'])]]));
    expect(readdirSync(dir)).toHaveLength(2);
    expect(cache.read('/app/main.mjs', '10:1')).toBeUndefined();
    expect(cache.read('/app/main.mjs', '12:3')).toEqual(new Map([['lodash', new Set(['chunk'])]]));
    expect(cache.read('/app/lib.mjs', '5:1')).toEqual(new Map());
  });

  it('never throws: an unwritable place or a broken file only costs a lex', () => {
    const parent = mkdtempSync(join(tmpdir(), 'loadstrat-usages-'));
    const blocked = join(parent, 'a-file');
    writeFileSync(blocked, 'not a directory');
    const cache = createUsageCache(join(blocked, 'usages'));
    expect(() => cache.write('/app/main.mjs', '1:1', usages)).not.toThrow();
    expect(cache.read('/app/main.mjs', '1:1')).toBeUndefined();
    const dir = join(parent, 'usages');
    const good = createUsageCache(dir);
    good.write('/app/main.mjs', '1:1', usages);
    const [file] = readdirSync(dir);
    writeFileSync(join(dir, file!), '{"file": "/app/main.mjs", "usa');
    expect(good.read('/app/main.mjs', '1:1')).toBeUndefined();
    expect(createUsageCache(undefined).read('/app/main.mjs', '1:1')).toBeUndefined();
  });
});
