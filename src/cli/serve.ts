import { formatEnvProblem, readSettings } from '../config/env.js';
import { readStoreSync } from '../config/store-file.js';
import { ensureApiToken } from '../server/auth.js';
import { usageError } from './usage.js';

export type ServeFlags = { host?: string; port?: string };

function parsePort(text: string): number {
  const port = Number(text);
  // 0 asks the system for a free port (the address is printed), which tests use.
  if (text.trim() === '' || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw usageError(`--port expects a port number (0–65535), got '${text}'`);
  }
  return port;
}

/** `loadstrat serve`: the REST API on the store until SIGINT/SIGTERM, then every buffered record written. */
export async function runServe(storePath: string, flags: ServeFlags): Promise<number> {
  const { settings, problems } = readSettings();
  for (const problem of problems) process.stderr.write(`loadstrat: ${formatEnvProblem(problem)}\n`);
  const host = flags.host ?? settings.host;
  const port = flags.port === undefined ? settings.port : parsePort(flags.port);
  // A store we cannot read is reported now, with its path, rather than on every request.
  readStoreSync(storePath);
  const token = ensureApiToken(storePath, settings.apiToken);

  // Fastify loads only here: neither the preloader nor the other commands pay for it.
  const { buildApp } = await import('../server/app.js');
  const app = await buildApp({ storePath, token: token.token, logger: { level: 'warn' } });
  const address = await app.listen({ host, port });
  const where =
    token.source === 'env'
      ? 'from LOADSTRAT_API_TOKEN'
      : `in ${token.path} (${token.source === 'generated' ? 'generated now, ' : ''}readable by its owner only)`;
  process.stdout.write(
    `loadstrat server listening on ${address} (store: ${storePath})\n` +
      `API docs: ${address}/docs\n` +
      `API token: ${where}\n`,
  );

  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      app.close().then(resolve, (error: unknown) => {
        process.stderr.write(`loadstrat: error while closing: ${(error as Error).message}\n`);
        resolve();
      });
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
  return 0;
}
