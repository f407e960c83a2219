import { describe, expect, it } from 'vitest';
import { type DecisionContext, decideStrategy } from '../../../src/config/precedence.js';

function context(overrides: Partial<DecisionContext> = {}): DecisionContext {
  return {
    overrides: new Map(),
    envDefault: undefined,
    configs: new Map([
      [
        'torch',
        {
          package_name: 'torch',
          strategy: 'eager',
          configuration_type: 'package_specific',
          priority: 3,
          enabled: true,
          performance_threshold: 2,
          fallback_strategy: 'lazy',
        },
      ],
    ]),
    globalDefault: 'preload',
    recentLoadTime: {},
    arms: new Map(),
    ...overrides,
  };
}

describe('decideStrategy (SPEC §2)', () => {
  it('1. the env override wins over everything', () => {
    const ctx = context({
      overrides: new Map([['torch', 'on_demand']]),
      arms: new Map([['torch', { test_id: 't', arm: 'b', strategy: 'lazy' }]]),
    });
    expect(decideStrategy('torch', ctx)).toEqual({
      strategy: 'on_demand',
      configuration_type: 'user_preference',
      rule: 'env',
      priority: 3,
    });
  });

  it('2. then the A/B arm', () => {
    const ctx = context({ arms: new Map([['torch', { test_id: 't1', arm: 'b', strategy: 'lazy' }]]) });
    expect(decideStrategy('torch', ctx)).toMatchObject({
      strategy: 'lazy',
      configuration_type: 'a_b_test',
      test: { test_id: 't1', arm: 'b' },
    });
  });

  it('3. then the stored configuration, unless its recent mean exceeds the threshold', () => {
    expect(decideStrategy('torch', context())).toMatchObject({ strategy: 'eager', rule: 'stored' });
    const slow = context({ recentLoadTime: { torch: { eager: 2.5 } } });
    expect(decideStrategy('torch', slow)).toMatchObject({ strategy: 'lazy', rule: 'threshold_fallback' });
    const fast = context({ recentLoadTime: { torch: { eager: 1.5, lazy: 9 } } });
    expect(decideStrategy('torch', fast)).toMatchObject({ strategy: 'eager', rule: 'stored' });
  });

  it('a disabled configuration does not apply', () => {
    const ctx = context();
    const torch = ctx.configs.get('torch')!;
    const disabled = context({ configs: new Map([['torch', { ...torch, enabled: false }]]) });
    expect(decideStrategy('torch', disabled)).toMatchObject({ strategy: 'preload', rule: 'default' });
  });

  it('4. the env default, else the stored default, else on_demand', () => {
    expect(decideStrategy('numpy', context({ envDefault: 'lazy' }))).toMatchObject({
      strategy: 'lazy',
      configuration_type: 'global',
    });
    expect(decideStrategy('numpy', context())).toMatchObject({ strategy: 'preload', priority: 1000 });
    expect(decideStrategy('numpy', context({ globalDefault: undefined }))).toMatchObject({
      strategy: 'on_demand',
    });
  });
});
