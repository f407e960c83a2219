import { path } from '../builtins.js';
import { getPackageName, isValidPackageName } from './package-name.js';
import { isStrategy, type LoadingStrategy } from './strategies.js';

const { resolve } = path;

export type Settings = {
  disabled: boolean;
  storePath: string;
  overrides: ReadonlyMap<string, LoadingStrategy>;
  defaultStrategy: LoadingStrategy | undefined;
  /** Unset: the host and process id (decided where it is needed, so boots without tests skip it). */
  abUnit: string | undefined;
  server: string | undefined;
  apiToken: string | undefined;
  host: string;
  port: number;
};

/** A problem with one variable: the setting is ignored and the caller warns once with this text. */
export type EnvProblem = { variable: string; value: string; message: string };

export function parseStrategyList(text: string): {
  overrides: Map<string, LoadingStrategy>;
  problems: string[];
} {
  const overrides = new Map<string, LoadingStrategy>();
  const problems: string[] = [];
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const eq = item.lastIndexOf('=');
    const name = item.slice(0, eq).trim();
    const strategy = item.slice(eq + 1).trim();
    if (eq <= 0 || !isValidPackageName(name) || getPackageName(name) !== name) {
      problems.push(`'${item}' is not pkg=strategy`);
    } else if (!isStrategy(strategy)) {
      problems.push(`'${strategy}' is not a strategy (eager, lazy, preload, on_demand)`);
    } else {
      overrides.set(name, strategy);
    }
  }
  return { overrides, problems };
}

export function readSettings(env: NodeJS.ProcessEnv = process.env): {
  settings: Settings;
  problems: EnvProblem[];
} {
  const problems: EnvProblem[] = [];
  const overridesText = env.LOADSTRAT_STRATEGIES ?? '';
  const parsed = parseStrategyList(overridesText);
  // A malformed list is ignored whole: half-applying a user's overrides would be harder to notice.
  let overrides: ReadonlyMap<string, LoadingStrategy> = parsed.overrides;
  if (parsed.problems.length > 0) {
    problems.push({
      variable: 'LOADSTRAT_STRATEGIES',
      value: overridesText,
      message: parsed.problems.join('; '),
    });
    overrides = new Map();
  }

  let defaultStrategy: LoadingStrategy | undefined;
  const defaultText = env.LOADSTRAT_DEFAULT_STRATEGY;
  if (defaultText !== undefined && defaultText !== '') {
    if (isStrategy(defaultText)) defaultStrategy = defaultText;
    else
      problems.push({
        variable: 'LOADSTRAT_DEFAULT_STRATEGY',
        value: defaultText,
        message: 'not a strategy (eager, lazy, preload, on_demand)',
      });
  }

  let port = 7000;
  const portText = env.LOADSTRAT_PORT;
  if (portText !== undefined && portText !== '') {
    const n = Number(portText);
    if (Number.isInteger(n) && n > 0 && n < 65536) port = n;
    else
      problems.push({ variable: 'LOADSTRAT_PORT', value: portText, message: 'not a port number (1–65535)' });
  }

  const disableText = env.LOADSTRAT_DISABLE ?? '';
  if (disableText !== '' && !['0', '1', 'true', 'false'].includes(disableText)) {
    problems.push({ variable: 'LOADSTRAT_DISABLE', value: disableText, message: 'expected 1 or 0' });
  }

  return {
    settings: {
      disabled: disableText === '1' || disableText === 'true',
      storePath: resolve(env.LOADSTRAT_CONFIG || 'strategy_config.json'),
      overrides,
      defaultStrategy,
      abUnit: env.LOADSTRAT_AB_UNIT || undefined,
      server: env.LOADSTRAT_SERVER || undefined,
      apiToken: env.LOADSTRAT_API_TOKEN || undefined,
      host: env.LOADSTRAT_HOST || '127.0.0.1',
      port,
    },
    problems,
  };
}

export function formatEnvProblem(problem: EnvProblem): string {
  return `${problem.variable}=${JSON.stringify(problem.value)} ignored: ${problem.message}`;
}
