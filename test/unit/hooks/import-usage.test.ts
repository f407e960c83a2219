import { init, parse } from 'es-module-lexer/minimal';
import { beforeAll, describe, expect, it } from 'vitest';
import { ALL, BARE, getImportUsages, readClause } from '../../../src/hooks/import-usage.js';

beforeAll(() => init);

const usages = (source: string) =>
  Object.fromEntries(
    [...getImportUsages(source, parse(source)[0])].map(([k, v]) => [k, typeof v === 'string' ? v : [...v]]),
  );

describe('the exports one importer takes', () => {
  it('reads default, named, renamed and string names', () => {
    expect(
      usages(
        [
          "import ts from 'typescript';",
          "import babel, { transformSync as t } from '@babel/core';",
          "export { 'kebab-name' } from 'kebab';",
          "import { default as moment } from 'moment';",
          "import {\n  S3Client, // the client\n  /* and */ PutObjectCommand,\n} from '@aws-sdk/client-s3';",
          "export { Observable, of as rxOf } from 'rxjs';",
          "import { ñandú } from 'unicode-names';",
        ].join('\n'),
      ),
    ).toEqual({
      typescript: ['default'],
      '@babel/core': ['default', 'transformSync'],
      kebab: ['kebab-name'],
      moment: ['default'],
      '@aws-sdk/client-s3': ['S3Client', 'PutObjectCommand'],
      rxjs: ['Observable', 'of'],
      'unicode-names': ['ñandú'],
    });
  });

  it('takes everything for namespaces, export *, dynamic imports; nothing but evaluation for a bare import', () => {
    expect(
      usages(
        [
          "import * as ns from 'a';",
          "import d, * as ns2 from 'b';",
          "export * from 'c';",
          "export * as cns from 'd';",
          "const e = await import('e');",
          "import 'f';",
          "import { x } from 'g';",
          "import 'g';",
          "import { y } from 'h';",
          "const h = await import('h');",
          "import {} from 'i';",
          "export {} from 'j';",
        ].join('\n'),
      ),
    ).toEqual({ a: ALL, b: ALL, c: ALL, d: ALL, e: ALL, f: BARE, g: BARE, h: ALL, i: BARE, j: BARE });
  });

  it('combines every statement of one specifier', () => {
    expect(usages("import { a } from 'p';\nimport b from 'p';\nimport { c as d } from 'p';")).toEqual({
      p: ['a', 'default', 'c'],
    });
  });

  it('reads what it cannot parse as the whole namespace', () => {
    expect(readClause('import { a b } from')).toBeUndefined();
    expect(readClause('import x y from')).toBeUndefined();
    expect(readClause('export x from')).toBeUndefined();
    expect(usages("import { a b } from 'p';")).toEqual({ p: ALL });
  });
});
