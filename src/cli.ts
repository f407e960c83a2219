#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { USAGE, usageError } from './cli/usage.js';
import { ErrorCode, isLoadstratError } from './errors.js';

async function main(argv: string[]): Promise<number> {
  const dashDash = argv.indexOf('--');
  const own = dashDash < 0 ? argv : argv.slice(0, dashDash);
  const { values, positionals } = parseArgs({
    args: own,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      config: { type: 'string' },
      priority: { type: 'string' },
      threshold: { type: 'string' },
      fallback: { type: 'string' },
      type: { type: 'string' },
      host: { type: 'string' },
      port: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      apply: { type: 'boolean' },
      revert: { type: 'boolean' },
      'min-confidence': { type: 'string' },
      status: { type: 'string' },
      'strategy-a': { type: 'string' },
      'strategy-b': { type: 'string' },
      'traffic-split': { type: 'string' },
      'duration-days': { type: 'string' },
      'min-sample-size': { type: 'string' },
      metric: { type: 'string' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    process.stdout.write(`${USAGE}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  const storePath = resolve(values.config ?? process.env.LOADSTRAT_CONFIG ?? 'strategy_config.json');
  const print = (text: string) => process.stdout.write(`${text}\n`);
  switch (command) {
    case 'report':
      print(await (await import('./cli/report.js')).runReport(storePath, values.json === true));
      return 0;
    case 'set':
      print(await (await import('./cli/configure.js')).runSet(storePath, args, values));
      return 0;
    case 'unset':
      print(await (await import('./cli/configure.js')).runUnset(storePath, args));
      return 0;
    case 'default':
      print(await (await import('./cli/configure.js')).runDefault(storePath, args));
      return 0;
    case 'merge': {
      const { updateStore } = await import('./config/store.js');
      await updateStore(storePath, () => undefined, { onlyIfMerged: true });
      return 0;
    }
    case 'serve':
      if (args.length > 0) throw usageError('serve takes no arguments');
      return (await import('./cli/serve.js')).runServe(storePath, values);
    case 'recommend':
      print(await (await import('./cli/recommend.js')).runRecommend(storePath, args, values));
      return 0;
    case 'ab':
      print(await (await import('./cli/ab.js')).runAb(storePath, args, values));
      return 0;
    case 'run':
      if (dashDash < 0) throw usageError('run needs -- before the command');
      return (await import('./cli/run.js')).runWithPreloader(argv.slice(dashDash + 1));
    default:
      throw usageError(`unknown command '${command}'`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    const usage =
      (isLoadstratError(error) && error.code === ErrorCode.Usage) ||
      (error as { code?: string })?.code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`loadstrat: ${(error as Error)?.message ?? error}\n`);
    if (usage) process.stderr.write('Run loadstrat --help for usage.\n');
    process.exitCode = usage ? 2 : 1;
  },
);
