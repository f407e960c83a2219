import type { BootView } from './boot-view.js';
import type { ConfigurationType, LoadingStrategy } from './strategies.js';

export type Decision = {
  strategy: LoadingStrategy;
  configuration_type: ConfigurationType;
  /** Which rule of SPEC §2 decided it, for NODE_DEBUG and the report. */
  rule: 'env' | 'ab_test' | 'stored' | 'threshold_fallback' | 'default';
  priority: number;
  test?: { test_id: string; arm: 'a' | 'b' };
};

export type DecisionContext = {
  overrides: ReadonlyMap<string, LoadingStrategy>;
  envDefault: LoadingStrategy | undefined;
  /** The stored configurations by package name. */
  configs: ReadonlyMap<string, BootView['configurations'][number]>;
  globalDefault: LoadingStrategy | undefined;
  recentLoadTime: BootView['recent_load_time'];
  /** This process's arm per package under an active test. */
  arms: ReadonlyMap<string, { test_id: string; arm: 'a' | 'b'; strategy: LoadingStrategy }>;
};

/** Priority of packages with no configured one: after every configured package. */
export const DEFAULT_PRIORITY = 1000;

/** SPEC §2: the first rule that applies wins. */
export function decideStrategy(name: string, ctx: DecisionContext): Decision {
  const config = ctx.configs.get(name);
  const priority = config?.priority ?? DEFAULT_PRIORITY;
  const override = ctx.overrides.get(name);
  if (override !== undefined)
    return { strategy: override, configuration_type: 'user_preference', rule: 'env', priority };

  const arm = ctx.arms.get(name);
  if (arm !== undefined) {
    return {
      strategy: arm.strategy,
      configuration_type: 'a_b_test',
      rule: 'ab_test',
      priority,
      test: { test_id: arm.test_id, arm: arm.arm },
    };
  }

  if (config?.enabled) {
    const threshold = config.performance_threshold;
    const recent = ctx.recentLoadTime[name]?.[config.strategy];
    if (threshold != null && recent !== undefined && recent > threshold && config.fallback_strategy) {
      return {
        strategy: config.fallback_strategy,
        configuration_type: config.configuration_type,
        rule: 'threshold_fallback',
        priority,
      };
    }
    return {
      strategy: config.strategy,
      configuration_type: config.configuration_type,
      rule: 'stored',
      priority,
    };
  }

  return {
    strategy: ctx.envDefault ?? ctx.globalDefault ?? 'on_demand',
    configuration_type: 'global',
    rule: 'default',
    priority,
  };
}
