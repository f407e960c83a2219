import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../../helpers/run.js';

export type RunningServer = {
  url: string;
  store: string;
  dir: string;
  child: ChildProcess;
  output: () => string;
  stop(): Promise<number | null>;
};

/** `loadstrat serve --port 0` on a fresh store (or the one given); resolves once it prints its address. */
export function startServer(
  options: { store?: string; env?: Record<string, string> } = {},
): Promise<RunningServer> {
  const dir = mkdtempSync(join(tmpdir(), 'loadstrat-serve-'));
  const store = options.store ?? join(dir, 'strategy_config.json');
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--config', store], {
    env: { ...process.env, NODE_OPTIONS: '', LOADSTRAT_API_TOKEN: 'your-token', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start:\n${output}`)), 20_000);
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}:\n${output}`)));
    child.stdout!.on('data', () => {
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match === null) return;
      clearTimeout(timer);
      resolve({
        url: match[1]!,
        store,
        dir,
        child,
        output: () => output,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
