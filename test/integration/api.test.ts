import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  getEffectiveStrategy,
  LoadingStrategy,
  LoadstratError,
  recordStrategyPerformance,
  removePackageStrategy,
  setPackageStrategy,
} from '../../src/index.js';
import { createTempStore, fixture, ROOT, readReport, readStoreFile, runNode } from '../helpers/run.js';

describe('the programmatic API', () => {
  let store: string;
  const saved = process.env.LOADSTRAT_CONFIG;
  beforeEach(() => {
    store = createTempStore().store;
    process.env.LOADSTRAT_CONFIG = store;
  });
  afterEach(() => {
    process.env.LOADSTRAT_CONFIG = saved;
  });

  it('sets, reads and removes a package strategy', async () => {
    expect(getEffectiveStrategy('torch')).toBe('on_demand');
    const config = await setPackageStrategy('torch', LoadingStrategy.EAGER, {
      priority: 1,
      performance_threshold: 2,
      fallback_strategy: 'lazy',
    });
    expect(config).toMatchObject({
      package_name: 'torch',
      strategy: 'eager',
      configuration_type: 'package_specific',
      priority: 1,
      enabled: true,
      performance_threshold: 2,
      fallback_strategy: 'lazy',
      metadata: {},
    });
    expect(getEffectiveStrategy('torch')).toBe('eager');
    expect(readStoreFile(store).configurations).toHaveLength(1);
    await removePackageStrategy('torch');
    expect(getEffectiveStrategy('torch')).toBe('on_demand');
    await expect(removePackageStrategy('torch')).rejects.toThrow("no configuration for package 'torch'");
    await expect(setPackageStrategy('../etc', 'lazy')).rejects.toThrow(LoadstratError);
  });

  it('records performance in the seed’s units and rejects bad input naming the field', async () => {
    recordStrategyPerformance({
      package_name: 'torch',
      strategy: 'eager',
      load_time: 1.5,
      memory_usage: 50_000_000,
      success: true,
      user_satisfaction: 0.8,
      system_impact: 0.3,
    });
    const report = await readReport(store);
    expect(report.packages[0]).toMatchObject({
      package_name: 'torch',
      total_attempts: 1,
      avg_load_time: 1.5,
      avg_memory_usage: 47.68,
      success_rate: 100,
    });
    expect(() =>
      recordStrategyPerformance({
        package_name: 'torch',
        strategy: 'eager',
        load_time: -1,
        memory_usage: 0,
        success: true,
      }),
    ).toThrow('load_time: -1 is not a non-negative number of seconds');
    expect(() =>
      recordStrategyPerformance({
        package_name: 'torch',
        strategy: 'eager',
        load_time: 1,
        memory_usage: 0,
        success: true,
        system_impact: 1.2,
      }),
    ).toThrow('system_impact: 1.2 is not a score between 0.0 and 1.0');
  });

  it('inside a preloaded app: the decision it acted on, load() evaluates now, records join the process’s', async () => {
    const env = {
      LOADSTRAT_CONFIG: store,
      LOADSTRAT_STRATEGIES: 'heavy=lazy',
      LOADSTRAT_INDEX: join(ROOT, 'dist/index.js'),
    };
    const result = await runNode('api.mjs', [], { cwd: fixture('basic'), env });
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toBe('heavy strategy lazy alpha strategy on_demand\nloaded 1 hello api\n');
    const heavy = (await readReport(store)).packages.find((p: any) => p.package_name === 'heavy');
    // The load() itself and the app's own record.
    expect(heavy.total_attempts).toBe(2);
    expect(heavy.max_load_time).toBe(1.5);
  });
});
