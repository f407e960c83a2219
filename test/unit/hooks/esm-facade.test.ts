import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../src/config/store-schema.js';
import {
  createDeferSource,
  createObserveSource,
  getFacadeBlocker,
  getFacadeExports,
  getFacadeRole,
  getImporterBlocker,
  getRealUrl,
  toFacadeUrl,
} from '../../../src/hooks/esm-facade.js';
import { planEsmDeferral } from '../../../src/hooks/esm-hooks.js';
import { ALL, BARE } from '../../../src/hooks/import-usage.js';
import { getNodeSupport } from '../../../src/hooks/node-support.js';

const shape = (props: Shape['props'], extra: Partial<Shape> = {}): Shape => ({
  stamp: '1:2',
  kind: 'object',
  props,
  esModule: false,
  thenable: false,
  format: 'module',
  ...extra,
});

describe('facade URLs', () => {
  it('marks only URLs loadstrat made, and gives back the real one', () => {
    const real = 'file:///app/node_modules/p/index.js';
    expect(getFacadeRole(toFacadeUrl(real, 'defer'))).toBe('defer');
    expect(getFacadeRole(toFacadeUrl(real, 'defer-12'))).toBe('defer');
    expect(getRealUrl(toFacadeUrl(real, 'defer-12'))).toBe(real);
    expect(getFacadeRole(`${real}?loadstrat-facade=defer-x`)).toBeUndefined();
    expect(getRealUrl(toFacadeUrl(real, 'observe'))).toBe(real);
    expect(getRealUrl(toFacadeUrl(`${real}?v=1`, 'start'))).toBe(`${real}?v=1`);
    expect(getFacadeRole(real)).toBeUndefined();
    expect(getFacadeRole(`${real}?iitm=true`)).toBeUndefined();
    expect(getFacadeRole(`${real}?xloadstrat-facade=defer`)).toBeUndefined();
  });
});

describe('facade source', () => {
  it('re-exports the real module between two timing marks, default only when it has one', () => {
    const source = createObserveSource('file:///n/p.js', false);
    expect(source).toContain('export * from "file:///n/p.js"');
    expect(source).not.toContain('default');
    expect(source.indexOf('facade=start')).toBeLessThan(source.indexOf('export *'));
    expect(source.indexOf('export *')).toBeLessThan(source.indexOf('facade=end'));
    expect(createObserveSource('file:///n/p.js', true)).toContain('export { default } from "file:///n/p.js"');
  });

  it('binds the names its importers take, any name, to stand-ins from one getter', () => {
    const info = {
      name: 'p',
      url: 'file:///n/p.js',
      file: '/n/p.js',
      key: 'import:p/p.js',
      stamp: '1:2',
      format: 'module' as const,
      strategy: 'lazy' as const,
    };
    const source = createDeferSource(info, ['default', 'kebab-name']);
    expect(source).toContain('const e0 = get("default");');
    expect(source).toContain('export { e0 as "default" }');
    expect(source).toContain('export { e1 as "kebab-name" }');
    expect(source).not.toContain('e2');
  });
});

describe('when no facade can be faithful', () => {
  it('names unsafe graphs, unknown and changed packages', () => {
    expect(
      getFacadeBlocker(shape({ f: 'function' }, { unsafe: 'top-level await in its module graph' })),
    ).toBe('top-level await in its module graph');
    expect(getFacadeBlocker(shape({ VERSION: 'primitive', f: 'function' }))).toBeUndefined();
    expect(planEsmDeferral(undefined, '1:2')).toBe('exports not known yet (learned on this run)');
    expect(planEsmDeferral(shape({ f: 'function' }), '9:9')).toBe(
      'package changed since its exports were learned',
    );
    expect(planEsmDeferral(shape({ f: 'function' }), '1:2')).toMatchObject({ props: { f: 'function' } });
  });

  it('lets an importer have the facade unless it takes a primitive, reads the namespace or only evaluates', () => {
    const withVersion = shape({ VERSION: 'primitive', f: 'function', o: 'object', n: 'null' });
    expect(getImporterBlocker(withVersion, new Set(['f', 'o']))).toBeUndefined();
    expect(getImporterBlocker(withVersion, new Set(['f', 'VERSION']))).toBe(
      'imports a primitive export (VERSION)',
    );
    expect(getImporterBlocker(withVersion, new Set(['n']))).toBe('imports a primitive export (n)');
    expect(getImporterBlocker(withVersion, ALL)).toBe(
      'a namespace import reads a primitive export (VERSION, n)',
    );
    expect(getImporterBlocker(shape({ f: 'function' }), ALL)).toBeUndefined();
    expect(getImporterBlocker(withVersion, BARE)).toBe(
      'imported for its side effects (an import without bindings)',
    );
    expect(getImporterBlocker(withVersion, new Set(['g']))).toBe('imports g, not among its learned exports');
    expect(getFacadeExports(withVersion)).toEqual(['f', 'o']);
    expect(getFacadeExports(shape({ __esModule: 'primitive', f: 'function' }, { esModule: true }))).toEqual([
      '__esModule',
      'f',
    ]);
  });
});

describe('node support table', () => {
  it.each([
    ['20.18.0', false, false],
    ['20.19.0', false, true],
    ['22.11.0', false, false],
    ['22.12.0', false, true],
    ['22.15.0', true, true],
    ['23.4.0', false, true],
    ['23.5.0', true, true],
    ['24.0.0', true, true],
    ['26.1.0', true, true],
  ])('%s: registerHooks %s, require(esm) %s', (version, registerHooks, requireEsm) => {
    expect(getNodeSupport(version)).toEqual({ registerHooks, requireEsm });
  });
});
