import { describe, expect, it } from 'vitest';
import { formatEnvProblem, parseStrategyList, readSettings } from '../../../src/config/env.js';

describe('readSettings', () => {
  it('reads every variable', () => {
    const { settings, problems } = readSettings({
      LOADSTRAT_CONFIG: '/tmp/x.json',
      LOADSTRAT_STRATEGIES: 'lodash=lazy, @s/p=eager',
      LOADSTRAT_DEFAULT_STRATEGY: 'preload',
      LOADSTRAT_AB_UNIT: 'user-7',
      LOADSTRAT_PORT: '7100',
      LOADSTRAT_DISABLE: '0',
    });
    expect(problems).toEqual([]);
    expect(settings).toMatchObject({
      disabled: false,
      storePath: '/tmp/x.json',
      defaultStrategy: 'preload',
      abUnit: 'user-7',
      port: 7100,
      host: '127.0.0.1',
    });
    expect([...settings.overrides]).toEqual([
      ['lodash', 'lazy'],
      ['@s/p', 'eager'],
    ]);
  });

  it('ignores a malformed list whole and names the variable and value', () => {
    const { settings, problems } = readSettings({
      LOADSTRAT_STRATEGIES: 'lodash=lazy,moment',
      LOADSTRAT_PORT: 'x',
    });
    expect(settings.overrides.size).toBe(0);
    expect(settings.port).toBe(7000);
    expect(problems.map(formatEnvProblem)).toEqual([
      `LOADSTRAT_STRATEGIES="lodash=lazy,moment" ignored: 'moment' is not pkg=strategy`,
      'LOADSTRAT_PORT="x" ignored: not a port number (1–65535)',
    ]);
  });

  it('rejects sub-paths and unknown strategies', () => {
    expect(parseStrategyList('lodash/fp=lazy').problems).toEqual([`'lodash/fp=lazy' is not pkg=strategy`]);
    expect(parseStrategyList('a=later').problems).toEqual([
      `'later' is not a strategy (eager, lazy, preload, on_demand)`,
    ]);
  });

  it('LOADSTRAT_DISABLE=1 disables', () => {
    expect(readSettings({ LOADSTRAT_DISABLE: '1' }).settings.disabled).toBe(true);
    expect(readSettings({ LOADSTRAT_DISABLE: 'yes' }).problems[0]?.variable).toBe('LOADSTRAT_DISABLE');
  });
});
