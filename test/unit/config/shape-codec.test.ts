import { describe, expect, it } from 'vitest';
import { decodeShapes, encodeShapes } from '../../../src/config/shape-codec.js';
import type { Shape } from '../../../src/config/store-schema.js';
import { hasSameProps } from '../../../src/hooks/shape.js';

const shape: Shape = {
  stamp: '9:1',
  kind: 'object',
  props: {
    default: 'object',
    transpile: 'function',
    version: 'primitive',
    SyntaxKind: 'object',
    noop: 'arrow',
  },
  default_props: { transpile: 'function', version: 'primitive' },
  esModule: false,
  thenable: false,
  format: 'commonjs',
};

describe('shapes as the files beside the boot view keep them', () => {
  it('round-trips: lookups, in, hasOwn, keys and JSON see the same exports', () => {
    const decoded = decodeShapes(encodeShapes({ 'import:ts/lib/typescript.js': shape }))[
      'import:ts/lib/typescript.js'
    ]!;
    expect(decoded.props.transpile).toBe('function');
    expect(decoded.props.version).toBe('primitive');
    expect(decoded.props.missing).toBeUndefined();
    expect('SyntaxKind' in decoded.props).toBe(true);
    expect('toString' in decoded.props).toBe(false);
    expect(Object.hasOwn(decoded.props, 'noop')).toBe(true);
    expect(Object.keys(decoded.props).sort()).toEqual(Object.keys(shape.props).sort());
    expect(JSON.parse(JSON.stringify(decoded.props))).toEqual(shape.props);
    expect(hasSameProps(decoded.props, shape.props)).toBe(true);
    expect(decoded.default_props?.version).toBe('primitive');
    expect({ ...decoded, props: { ...decoded.props }, default_props: { ...decoded.default_props } }).toEqual(
      shape,
    );
  });

  it('stores names grouped by kind, not one key per export', () => {
    expect(JSON.parse(encodeShapes({ k: shape })).k.props).toEqual({
      object: ['default', 'SyntaxKind'],
      function: ['transpile'],
      primitive: ['version'],
      arrow: ['noop'],
    });
  });

  it('is read-only, and order-insensitive where learning compares it', () => {
    const decoded = decodeShapes(encodeShapes({ k: shape })).k!;
    expect(() => {
      (decoded.props as Record<string, string>).x = 'function';
    }).toThrow(TypeError);
    expect(hasSameProps(decoded.props, { ...shape.props, extra: 'object' })).toBe(false);
    expect(hasSameProps(decoded.props, { ...shape.props, version: 'object' })).toBe(false);
  });
});
