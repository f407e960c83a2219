import { CONFIGURATION_TYPES, STRATEGIES } from '../../config/strategies.js';
import type { RouteGroup } from '../route-group.js';
import { ok } from '../route-group.js';
import { noQuery, responses, statusData } from '../schemas.js';

const tag = { name: 'configuration', description: 'Package strategy configurations and the global default' };

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

export const statusRoutes: RouteGroup = {
  tag,
  async plugin(app, { ctx }) {
    app.get(
      '/status',
      {
        schema: {
          tags: [tag.name],
          summary: 'The configuration system at a glance',
          querystring: noQuery,
          response: responses(statusData),
        },
      },
      async () => {
        const store = await ctx.read();
        return ok({
          configuration_summary: {
            total_configurations: store.configurations.length,
            strategy_distribution: countBy(store.configurations, (c) => c.strategy),
            configuration_type_distribution: countBy(store.configurations, (c) => c.configuration_type),
            active_ab_tests: store.ab_tests.filter((t) => t.status === 'active').length,
            total_ab_tests: store.ab_tests.length,
            performance_records: store.performance.reduce((n, b) => n + b.count, 0),
            global_default_strategy: store.global_default_strategy,
          },
          available_strategies: [...STRATEGIES],
          configuration_types: [...CONFIGURATION_TYPES],
          system_status: 'active',
        });
      },
    );
  },
};
