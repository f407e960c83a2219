import { setGlobalDefault } from '../../config/configurations.js';
import type { RouteGroup } from '../route-group.js';
import { ok } from '../route-group.js';
import { globalDefaultBody, globalDefaultData, noQuery, responses } from '../schemas.js';

const tag = { name: 'configuration', description: 'Package strategy configurations and the global default' };

/**
 * The seed's `GLOBAL` configuration type: the strategy of every package without a configuration of its
 * own. A process's `LOADSTRAT_DEFAULT_STRATEGY` still overrides it for that process.
 */
export const globalDefaultRoutes: RouteGroup = {
  tag,
  async plugin(app, { ctx }) {
    app.get(
      '/global-default',
      {
        schema: {
          tags: [tag.name],
          summary: 'The global default strategy (configuration type `global`)',
          querystring: noQuery,
          response: responses(globalDefaultData),
        },
      },
      async () => {
        const store = await ctx.read();
        return ok({ global_default_strategy: store.global_default_strategy, configuration_type: 'global' });
      },
    );

    app.put(
      '/global-default',
      {
        schema: {
          tags: [tag.name],
          summary: 'Set the global default strategy',
          description:
            'Applies to every package without a configuration of its own, from each process’s next start.',
          querystring: noQuery,
          body: globalDefaultBody,
          response: responses(globalDefaultData, 415),
        },
      },
      async (request) => {
        const { strategy } = request.body as { strategy: string };
        const set = await ctx.update((data) => setGlobalDefault(data, strategy));
        return ok({
          global_default_strategy: set,
          configuration_type: 'global',
          message: `Global default strategy set to ${set}`,
        });
      },
    );
  },
};
