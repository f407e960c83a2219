export const LoadingStrategy = {
  EAGER: 'eager',
  LAZY: 'lazy',
  PRELOAD: 'preload',
  ON_DEMAND: 'on_demand',
} as const;
export type LoadingStrategy = (typeof LoadingStrategy)[keyof typeof LoadingStrategy];

export const ConfigurationType = {
  GLOBAL: 'global',
  PACKAGE_SPECIFIC: 'package_specific',
  USER_PREFERENCE: 'user_preference',
  AUTO_OPTIMIZED: 'auto_optimized',
  A_B_TEST: 'a_b_test',
} as const;
export type ConfigurationType = (typeof ConfigurationType)[keyof typeof ConfigurationType];

export const STRATEGIES: readonly LoadingStrategy[] = Object.values(LoadingStrategy);
export const CONFIGURATION_TYPES: readonly ConfigurationType[] = Object.values(ConfigurationType);

export function isStrategy(value: unknown): value is LoadingStrategy {
  return typeof value === 'string' && (STRATEGIES as readonly string[]).includes(value);
}

export function isConfigurationType(value: unknown): value is ConfigurationType {
  return typeof value === 'string' && (CONFIGURATION_TYPES as readonly string[]).includes(value);
}

/** Strategies that hand out a stand-in instead of evaluating the package at the import site. */
export function isDeferred(strategy: LoadingStrategy): boolean {
  return strategy === 'lazy' || strategy === 'preload';
}
