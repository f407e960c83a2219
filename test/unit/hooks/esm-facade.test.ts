import { describe, expect, it } from 'vitest';
import type { Shape } from '../../../src/config/store-schema.js';
import {
  createDeferSource,
  createObserveSource,
  getFacadeBlocker,
  getFacadeRole,
  getRealUrl,
  toFacadeUrl,
} from '../../../src/hooks/esm-facade.js';
import { planEsmDeferral } from '../../../src/hooks/esm-hooks.js';
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

  it('binds every learned export, any name, to a stand-in', () => {
    const info = {
      name: 'p',
      url: 'file:///n/p.js',
      file: '/n/p.js',
      key: 'import:p/p.js',
      stamp: '1:2',
      format: 'module' as const,
      strategy: 'lazy' as const,
      shape: shape({ default: 'function', 'kebab-name': 'object' }),
    };
    const source = createDeferSource(info);
    expect(source).toContain('export { e0 as "default" }');
    expect(source).toContain('export { e1 as "kebab-name" }');
  });
});

describe('when no facade can be faithful', () => {
  it('names primitive exports, unsafe graphs, unknown and changed packages', () => {
    expect(getFacadeBlocker(shape({ VERSION: 'primitive', f: 'function' }))).toBe(
      'exports a primitive value (VERSION)',
    );
    expect(
      getFacadeBlocker(shape({ f: 'function' }, { unsafe: 'top-level await in its module graph' })),
    ).toBe('top-level await in its module graph');
    expect(getFacadeBlocker(shape({ f: 'function', o: 'object' }))).toBeUndefined();
    expect(planEsmDeferral(undefined, '1:2')).toBe('exports not known yet (learned on this run)');
    expect(planEsmDeferral(shape({ f: 'function' }), '9:9')).toBe(
      'package changed since its exports were learned',
    );
    expect(planEsmDeferral(shape({ f: 'function' }), '1:2')).toMatchObject({ props: { f: 'function' } });
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
