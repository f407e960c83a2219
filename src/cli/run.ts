import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { usageError } from './usage.js';

const REGISTER_URL = pathToFileURL(fileURLToPath(new URL('../../register.mjs', import.meta.url))).href;

/** Run any command with the preloader in NODE_OPTIONS; resolves with the child's exit code. */
export function runWithPreloader(command: string[]): Promise<number> {
  const [file, ...args] = command;
  if (file === undefined) throw usageError('run needs a command after --');
  const nodeOptions = [process.env.NODE_OPTIONS, `--import=${REGISTER_URL}`].filter(Boolean).join(' ');
  const child = spawn(file, args, { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: nodeOptions } });
  return new Promise((resolve, reject) => {
    child.on('error', (error) => reject(new Error(`cannot run '${file}': ${error.message}`)));
    // Killed by a signal: the shell's convention, 128 + its number.
    child.on('exit', (code, signal) =>
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 1)),
    );
  });
}
