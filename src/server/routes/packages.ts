import type { FastifyRequest } from 'fastify';
import { RECENT_WINDOW_MS } from '../../config/boot-view.js';
import {
  assertPackageName,
  removePackageConfiguration,
  type StrategyInput,
  setPackageConfiguration,
} from '../../config/configurations.js';
import { DEFAULT_PRIORITY, decideStrategy } from '../../config/precedence.js';
import type { StoreData } from '../../config/store-schema.js';
import { ErrorCode, LoadstratError } from '../../errors.js';
import type { RouteGroup } from '../route-group.js';
import { ok } from '../route-group.js';
import {
  API_PREFIX,
  configurationListData,
  messageData,
  noQuery,
  packageData,
  packageParams,
  responses,
  scopedPackageParams,
  setPackageBody,
  setPackageData,
} from '../schemas.js';
import { toSeedTime } from '../time.js';

const tag = { name: 'configuration', description: 'Package strategy configurations and the global default' };

type NameParams = { package_name: string } | { scope: string; name: string };

/** The package a path names, whether `@scope/pkg` came encoded (one segment) or not (two). */
function getPackageName(request: FastifyRequest): string {
  const params = request.params as NameParams;
  const name = 'package_name' in params ? params.package_name : `${params.scope}/${params.name}`;
  assertPackageName(name);
  return name;
}

/** The strategy a process would pick from the store alone (no env, no A/B arm), thresholds included. */
function getEffectiveStrategy(store: StoreData, name: string, now: number) {
  const config = store.configurations.find((c) => c.package_name === name);
  let n = 0;
  let sum = 0;
  for (const b of store.performance) {
    if (
      b.package_name !== name ||
      b.strategy !== config?.strategy ||
      now - Date.parse(b.bucket) > RECENT_WINDOW_MS
    )
      continue;
    n += b.count;
    sum += b.sum;
  }
  const recent = config !== undefined && n > 0 ? { [name]: { [config.strategy]: sum / n } } : {};
  return decideStrategy(name, {
    overrides: new Map(),
    envDefault: undefined,
    configs: new Map(config === undefined ? [] : [[name, config]]),
    globalDefault: store.global_default_strategy,
    recentLoadTime: recent,
    arms: new Map(),
  }).strategy;
}

export const packageRoutes: RouteGroup = {
  tag,
  async plugin(app, { ctx }) {
    app.get(
      '/packages',
      {
        schema: {
          tags: [tag.name],
          summary: 'Every package configuration',
          querystring: noQuery,
          response: responses(configurationListData),
        },
      },
      async () => {
        const store = await ctx.read();
        const configurations = store.configurations.map((c) => ({
          package_name: c.package_name,
          strategy: c.strategy,
          configuration_type: c.configuration_type,
          priority: c.priority,
          enabled: c.enabled,
          created_at: toSeedTime(c.created_at),
          updated_at: toSeedTime(c.updated_at),
          performance_threshold: c.performance_threshold,
          fallback_strategy: c.fallback_strategy,
        }));
        return ok({ configurations, total_configurations: configurations.length });
      },
    );

    // Each route twice: `:package_name` (documented) and `:scope/:name` for an unencoded `@scope/pkg`.
    const paths = [
      { url: '/packages/:package_name', params: packageParams, hide: false },
      { url: '/packages/:scope/:name', params: scopedPackageParams, hide: true },
    ];
    for (const { url, params, hide } of paths) {
      app.get(
        url,
        {
          schema: {
            hide,
            tags: [tag.name],
            summary: 'One package: its configured and current strategy',
            description:
              '`current_strategy` is what processes most recently reported using; `configured_strategy` what the store says. ' +
              'A package without a configuration answers with the global default and type `global`.',
            params,
            querystring: noQuery,
            response: responses(packageData),
          },
        },
        async (request) => {
          const name = getPackageName(request);
          const store = await ctx.read();
          const config = store.configurations.find((c) => c.package_name === name);
          const effective = getEffectiveStrategy(store, name, ctx.now().getTime());
          return ok({
            package_name: name,
            current_strategy: store.packages[name]?.last_strategy ?? effective,
            configured_strategy: config?.strategy ?? store.global_default_strategy,
            configuration_type: config?.configuration_type ?? 'global',
            priority: config?.priority ?? DEFAULT_PRIORITY,
            enabled: config?.enabled ?? true,
            created_at: toSeedTime(config?.created_at),
            updated_at: toSeedTime(config?.updated_at),
            performance_threshold: config?.performance_threshold ?? null,
            fallback_strategy: config?.fallback_strategy ?? null,
          });
        },
      );

      app.put(
        url,
        {
          schema: {
            hide,
            tags: [tag.name],
            summary: 'Set the loading strategy of one package',
            params,
            querystring: noQuery,
            body: setPackageBody,
            response: responses(setPackageData, 415),
          },
        },
        async (request) => {
          const name = getPackageName(request);
          const body = request.body as StrategyInput;
          if (body.configuration_type === 'global') {
            throw new LoadstratError(
              ErrorCode.Validation,
              `configuration_type: 'global' is the default of every package; set it with PUT ${API_PREFIX}/global-default`,
            );
          }
          const config = await ctx.update((data) => setPackageConfiguration(data, name, body, ctx.now()));
          return ok({
            package_name: config.package_name,
            strategy: config.strategy,
            configuration_type: config.configuration_type,
            priority: config.priority,
            performance_threshold: config.performance_threshold,
            fallback_strategy: config.fallback_strategy,
            message: `Strategy for ${name} set to ${config.strategy}`,
          });
        },
      );

      app.delete(
        url,
        {
          schema: {
            hide,
            tags: [tag.name],
            summary: 'Remove the configuration of one package (it falls back to the global default)',
            params,
            querystring: noQuery,
            response: responses(messageData('package_name'), 404),
          },
        },
        async (request) => {
          const name = getPackageName(request);
          await ctx.update((data) => removePackageConfiguration(data, name));
          return ok({ package_name: name, message: `Strategy configuration for ${name} removed` });
        },
      );
    }
  },
};
