import { ErrorCode, LoadstratError } from '../errors.js';
import { setPackageConfiguration } from './configurations.js';
import type { PackageConfiguration, StoreData } from './store-schema.js';
import type { LoadingStrategy } from './strategies.js';

/** What a package's configuration was before an automatic change; null when it had none. */
export type PreviousConfiguration = Omit<
  PackageConfiguration,
  'package_name' | 'created_at' | 'updated_at'
> | null;

/**
 * Store `strategy` for a package as `auto_optimized`, keeping the configuration it replaces in
 * `metadata.previous` (with its own metadata, so a chain of changes reverts one step at a time).
 * Priority, threshold and fallback carry over: an optimizer changes when a package loads, not the rest.
 */
export function applyAutoOptimized(
  data: StoreData,
  name: string,
  strategy: LoadingStrategy,
  source: Record<string, unknown>,
  now = new Date(),
): PackageConfiguration {
  const current = data.configurations.find((c) => c.package_name === name);
  const previous: PreviousConfiguration =
    current === undefined
      ? null
      : {
          strategy: current.strategy,
          configuration_type: current.configuration_type,
          priority: current.priority,
          enabled: current.enabled,
          metadata: current.metadata,
          performance_threshold: current.performance_threshold,
          fallback_strategy: current.fallback_strategy,
        };
  const config = setPackageConfiguration(
    data,
    name,
    {
      strategy,
      configuration_type: 'auto_optimized',
      priority: current?.priority,
      performance_threshold: current?.performance_threshold,
      fallback_strategy: current?.fallback_strategy,
      enabled: true,
    },
    now,
  );
  // Replace, not merge: the old metadata lives on inside `previous`.
  config.metadata = { previous, source, applied_at: now.toISOString() };
  return config;
}

/** Undo the last applyAutoOptimized of a package: restore what it replaced, or remove it if nothing was. */
export function revertAutoOptimized(
  data: StoreData,
  name: string,
  now = new Date(),
): PackageConfiguration | null {
  const index = data.configurations.findIndex((c) => c.package_name === name);
  const current = index < 0 ? undefined : data.configurations[index]!;
  if (
    current === undefined ||
    current.configuration_type !== 'auto_optimized' ||
    !('previous' in current.metadata)
  ) {
    throw new LoadstratError(ErrorCode.NotFound, `'${name}' has no automatically applied strategy to revert`);
  }
  const previous = current.metadata.previous as PreviousConfiguration;
  if (previous === null) {
    data.configurations.splice(index, 1);
    return null;
  }
  const restored: PackageConfiguration = {
    package_name: name,
    ...previous,
    created_at: current.created_at,
    updated_at: now.toISOString(),
  };
  data.configurations[index] = restored;
  return restored;
}
