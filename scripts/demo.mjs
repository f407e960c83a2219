// npm run demo: the demo CLI run plainly and under loadstrat, with both startup times and the report.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const app = join(root, 'fixtures/demo/cli.cjs');
const register = join(root, 'register.mjs');
const cli = join(root, 'dist/cli.js');
const store = join(mkdtempSync(join(tmpdir(), 'loadstrat-demo-')), 'strategy_config.json');
copyFileSync(join(root, 'fixtures/demo/strategy_config.json'), store);
const env = { ...process.env, LOADSTRAT_CONFIG: store };

function run(args) {
  const started = process.hrtime.bigint();
  const result = spawnSync(process.execPath, args, { env, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${args.join(' ')} failed: ${result.stderr}`);
  return { ms: Number(process.hrtime.bigint() - started) / 1e6, stdout: result.stdout.trim() };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

console.log(`store: ${store} (from fixtures/demo/strategy_config.json: global default lazy)\n`);
// The first run under loadstrat learns what each package exports; later runs defer them faithfully.
run(['--import', register, app, 'pdf']);
spawnSync(process.execPath, [cli, 'merge'], { env });

const plain = [];
const managed = [];
for (let i = 0; i < 7; i++) {
  plain.push(run([app, 'pdf']));
  managed.push(run(['--import', register, app, 'pdf']));
}
if (plain[0].stdout !== managed[0].stdout) throw new Error('outputs differ');
console.log(`app output (identical both ways): ${plain[0].stdout}`);
console.log(`startup, plain node:          ${median(plain.map((r) => r.ms)).toFixed(0)} ms (median of 7)`);
console.log(
  `startup, node --import loadstrat: ${median(managed.map((r) => r.ms)).toFixed(0)} ms (median of 7)\n`,
);
const report = spawnSync(process.execPath, [cli, 'report'], { env, encoding: 'utf8' });
process.stdout.write(report.stdout);
process.exitCode = report.status ?? 1;
