import { ErrorCode, invalidField, LoadstratError } from '../errors.js';
import { isValidPackageName } from './package-name.js';
import type { PackageConfiguration, StoreData } from './store-schema.js';
import {
  type ConfigurationType,
  isConfigurationType,
  isStrategy,
  type LoadingStrategy,
} from './strategies.js';

export type StrategyInput = {
  strategy: unknown;
  configuration_type?: unknown;
  priority?: unknown;
  performance_threshold?: unknown;
  fallback_strategy?: unknown;
  enabled?: unknown;
  metadata?: Record<string, unknown>;
};

const invalid = invalidField;

export function assertPackageName(name: string): void {
  if (!isValidPackageName(name)) throw invalid('package_name', `'${name}' is not a valid npm package name`);
}

/** Check a request to configure a package; every message names the field that is wrong. */
export function validateStrategyInput(input: StrategyInput) {
  if (!isStrategy(input.strategy)) {
    throw invalid(
      'strategy',
      `${JSON.stringify(input.strategy)} is not one of eager, lazy, preload, on_demand`,
    );
  }
  const type = input.configuration_type ?? 'package_specific';
  if (!isConfigurationType(type) || type === 'global') {
    throw invalid(
      'configuration_type',
      `${JSON.stringify(type)} is not one of package_specific, user_preference, auto_optimized, a_b_test`,
    );
  }
  const priority = input.priority ?? 1;
  if (typeof priority !== 'number' || !Number.isInteger(priority) || priority < 1) {
    throw invalid('priority', `${JSON.stringify(priority)} is not an integer ≥ 1`);
  }
  const threshold = input.performance_threshold ?? null;
  if (
    threshold !== null &&
    (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold <= 0)
  ) {
    throw invalid(
      'performance_threshold',
      `${JSON.stringify(threshold)} is not a positive number of seconds`,
    );
  }
  const fallback = input.fallback_strategy ?? null;
  if (fallback !== null && !isStrategy(fallback)) {
    throw invalid(
      'fallback_strategy',
      `${JSON.stringify(fallback)} is not one of eager, lazy, preload, on_demand`,
    );
  }
  const enabled = input.enabled ?? true;
  if (typeof enabled !== 'boolean') throw invalid('enabled', 'must be true or false');
  return {
    strategy: input.strategy as LoadingStrategy,
    configuration_type: type as ConfigurationType,
    priority,
    performance_threshold: threshold as number | null,
    fallback_strategy: fallback as LoadingStrategy | null,
    enabled,
  };
}

/** Create or replace a package's configuration; created_at survives a replacement. */
export function setPackageConfiguration(
  data: StoreData,
  name: string,
  input: StrategyInput,
  now = new Date(),
): PackageConfiguration {
  assertPackageName(name);
  const valid = validateStrategyInput(input);
  const at = now.toISOString();
  const index = data.configurations.findIndex((c) => c.package_name === name);
  const previous = index >= 0 ? data.configurations[index] : undefined;
  const config: PackageConfiguration = {
    package_name: name,
    ...valid,
    created_at: previous?.created_at ?? at,
    updated_at: at,
    metadata: { ...(previous?.metadata ?? {}), ...(input.metadata ?? {}) },
  };
  if (previous !== undefined) data.configurations[index] = config;
  else data.configurations.push(config);
  return config;
}

export function removePackageConfiguration(data: StoreData, name: string): PackageConfiguration {
  const index = data.configurations.findIndex((c) => c.package_name === name);
  if (index < 0) throw new LoadstratError(ErrorCode.NotFound, `no configuration for package '${name}'`);
  const [removed] = data.configurations.splice(index, 1);
  return removed!;
}

export function setGlobalDefault(data: StoreData, strategy: unknown): LoadingStrategy {
  if (!isStrategy(strategy)) {
    throw invalid('strategy', `${JSON.stringify(strategy)} is not one of eager, lazy, preload, on_demand`);
  }
  data.global_default_strategy = strategy;
  return strategy;
}
