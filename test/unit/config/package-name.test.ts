import { describe, expect, it } from 'vitest';
import { getPackageName, isValidPackageName } from '../../../src/config/package-name.js';

describe('getPackageName', () => {
  it.each([
    ['lodash', 'lodash'],
    ['lodash/fp', 'lodash'],
    ['@scope/pkg', '@scope/pkg'],
    ['@scope/pkg/deep/x.js', '@scope/pkg'],
  ])('%s → %s', (specifier, name) => expect(getPackageName(specifier)).toBe(name));

  it.each(['./x', '../x', '/abs/x', '#internal', 'node:fs', 'file:///x.js', '@scope'])(
    '%s is not a package',
    (s) => expect(getPackageName(s)).toBeUndefined(),
  );
});

describe('isValidPackageName', () => {
  it.each(['lodash', '@aws-sdk/client-s3', 'a.b_c-d~e'])('accepts %s', (n) =>
    expect(isValidPackageName(n)).toBe(true),
  );
  it.each(['', 'Upper', '../etc', '..%2f..', '@scope/', 'a b', '.hidden', 'x'.repeat(215)])(
    'rejects %s',
    (n) => expect(isValidPackageName(n)).toBe(false),
  );
});
