#!/usr/bin/env node
// Throughput of POST /performance/record on loopback (SPEC §10: ≥ 5,000 requests/s on this machine, none
// lost). Starts `loadstrat serve` on a fresh store, drives it with autocannon, then checks that every
// acknowledged record is in the store. Standalone: `node bench/server.mjs [--amount N] [--connections N]`.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET_RPS = 5000;
const TOKEN = 'bench-token';
const API = '/api/strategy-configuration';

const { values } = parseArgs({
  options: {
    amount: { type: 'string', default: '60000' },
    connections: { type: 'string', default: '64' },
    json: { type: 'boolean', default: false },
  },
});

function startServer(store) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist/cli.js'), 'serve', '--port', '0', '--config', store],
    {
      env: { ...process.env, NODE_OPTIONS: '', LOADSTRAT_API_TOKEN: TOKEN },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolvePromise, reject) => {
    let output = '';
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
    child.stdout.on('data', (d) => {
      output += d;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) resolvePromise({ child, url: match[1] });
    });
  });
}

/** CPU seconds (user + system) a process has used, from /proc; null where there is no /proc. */
function readCpuSeconds(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return null;
  }
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'loadstrat-bench-server-'));
  const store = join(dir, 'strategy_config.json');
  const { child, url } = await startServer(store);
  const headers = { authorization: `Bearer ${TOKEN}` };
  try {
    // The seed's request form: every field a query parameter. A few packages and strategies, as in use.
    const requests = ['torch', 'lodash', '@aws-sdk/client-s3', 'chalk'].flatMap((name, i) =>
      ['eager', 'lazy'].map((strategy, j) => ({
        method: 'POST',
        path: `${API}/performance/record?package_name=${encodeURIComponent(name)}&strategy=${strategy}&load_time=${(0.05 * (i + 1) + j).toFixed(3)}&memory_usage=50000000&success=True&user_satisfaction=0.8&system_impact=0.3`,
      })),
    );
    const warmup = await autocannon({ url, connections: 16, amount: 2000, headers, requests });
    const cpuBefore = readCpuSeconds(child.pid);
    const result = await autocannon({
      url,
      connections: Number(values.connections),
      amount: Number(values.amount),
      headers,
      requests,
    });
    const cpuAfter = readCpuSeconds(child.pid);
    // Server CPU per request: what the machine's load (other processes, autocannon itself) does not change much.
    const cpuPerRequestUs =
      cpuBefore === null || cpuAfter === null
        ? null
        : Math.round(((cpuAfter - cpuBefore) / result.requests.total) * 1e6);
    const comparison = await (await fetch(`${url}${API}/performance/comparison`, { headers })).json();
    const found = comparison.data.performance_comparison.reduce((n, row) => n + row.total_attempts, 0);
    const acknowledged = warmup['2xx'] + result['2xx'];
    // Completed requests over the run's wall time (autocannon's per-second average rounds a short run badly).
    const rps = result.requests.total / result.duration;
    const summary = {
      benchmark: 'server performance/record',
      connections: result.connections,
      requests: result.requests.total,
      duration_s: result.duration,
      requests_per_s: Math.round(rps),
      server_cpu_us_per_request: cpuPerRequestUs,
      latency_ms: {
        p50: result.latency.p50,
        p97_5: result.latency.p97_5,
        p99: result.latency.p99,
        max: result.latency.max,
      },
      non_2xx: result.non2xx,
      errors: result.errors + result.timeouts,
      acknowledged,
      found_in_store: found,
      budget_rps: BUDGET_RPS,
      pass: rps >= BUDGET_RPS && found === acknowledged && result.non2xx === 0 && result.errors === 0,
    };
    if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(
        `server performance/record: ${summary.requests_per_s} requests/s over ${summary.connections} connections ` +
          `(budget ≥ ${BUDGET_RPS}), server CPU ${summary.server_cpu_us_per_request} µs/request, latency p50 ${summary.latency_ms.p50} ms / p99 ${summary.latency_ms.p99} ms; ` +
          `${summary.acknowledged} acknowledged, ${summary.found_in_store} found in the store, ${summary.non_2xx} non-2xx, ${summary.errors} errors → ${summary.pass ? 'PASS' : 'FAIL'}\n`,
      );
    }
    process.exitCode = summary.pass ? 0 : 1;
  } finally {
    child.removeAllListeners('exit');
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`bench/server.mjs: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
