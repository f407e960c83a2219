import { invalidField } from '../errors.js';
import type { ManualRecord } from '../metrics/process-report.js';
import { isValidPackageName } from './package-name.js';
import { isStrategy } from './strategies.js';

export type PerformanceInput = {
  package_name: unknown;
  strategy: unknown;
  load_time: unknown;
  memory_usage: unknown;
  success: unknown;
  user_satisfaction?: unknown;
  system_impact?: unknown;
};

const invalid = invalidField;

function score(field: string, value: unknown): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) {
    throw invalid(field, `${JSON.stringify(value)} is not a score between 0.0 and 1.0`);
  }
  return value;
}

/** The seed's record_strategy_performance arguments, checked; every message names its field. */
export function validatePerformanceInput(input: PerformanceInput, at = new Date()): ManualRecord {
  if (typeof input.package_name !== 'string' || !isValidPackageName(input.package_name)) {
    throw invalid('package_name', `${JSON.stringify(input.package_name)} is not a valid npm package name`);
  }
  if (!isStrategy(input.strategy)) {
    throw invalid(
      'strategy',
      `${JSON.stringify(input.strategy)} is not one of eager, lazy, preload, on_demand`,
    );
  }
  const loadTime = input.load_time;
  if (typeof loadTime !== 'number' || !Number.isFinite(loadTime) || loadTime < 0) {
    throw invalid('load_time', `${JSON.stringify(loadTime)} is not a non-negative number of seconds`);
  }
  const memory = input.memory_usage;
  if (typeof memory !== 'number' || !Number.isFinite(memory) || memory < 0) {
    throw invalid('memory_usage', `${JSON.stringify(memory)} is not a non-negative number of bytes`);
  }
  if (typeof input.success !== 'boolean') throw invalid('success', 'must be true or false');
  return {
    package_name: input.package_name,
    strategy: input.strategy,
    load_time: loadTime,
    memory_usage: memory,
    success: input.success,
    user_satisfaction: score('user_satisfaction', input.user_satisfaction),
    system_impact: score('system_impact', input.system_impact),
    at: at.toISOString(),
  };
}
