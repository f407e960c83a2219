import type { FastifyRequest } from 'fastify';
import { summarizeBuckets } from '../../analysis/report.js';
import { toPercent } from '../../analysis/units.js';
import { assertPackageName } from '../../config/configurations.js';
import type { PerformanceBucket } from '../../config/store-schema.js';
import { type LoadingStrategy, STRATEGIES } from '../../config/strategies.js';
import { ErrorCode, LoadstratError } from '../../errors.js';
import type { RouteGroup } from '../route-group.js';
import { ok } from '../route-group.js';
import {
  comparisonData,
  comparisonQuery,
  messageData,
  recordBody,
  recordQuery,
  responses,
} from '../schemas.js';

const tag = { name: 'performance', description: 'Recording loads and comparing strategies' };

type RecordQuery = {
  package_name: string;
  strategy: LoadingStrategy;
  load_time: number;
  memory_usage: number;
  success: boolean;
  user_satisfaction?: number;
  system_impact?: number;
};

const HOUR = 3_600_000;

function getBucketEnd(b: PerformanceBucket): number {
  const start = Date.parse(b.bucket);
  if (b.span === 'hour') return start + HOUR;
  if (b.span === 'day') return start + 24 * HOUR;
  const d = new Date(start);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/**
 * The seed sends the record as query parameters (Python's `requests` spells booleans `True`/`False`); a JSON
 * body with the same fields is folded into the query before validation, so one schema checks both forms.
 */
function foldBodyIntoQuery(request: FastifyRequest, _reply: unknown, done: (error?: Error) => void): void {
  const query = request.query as Record<string, unknown>;
  const body = request.body;
  if (body !== undefined && body !== null) {
    if (typeof body !== 'object' || Array.isArray(body)) {
      throw new LoadstratError(
        ErrorCode.Validation,
        'body: must be a JSON object with the query parameters’ fields',
      );
    }
    for (const [key, value] of Object.entries(body)) {
      if (key in query)
        throw new LoadstratError(
          ErrorCode.Validation,
          `${key}: given both as a query parameter and in the body`,
        );
      query[key] = value;
    }
    request.body = null;
  }
  if (typeof query.success === 'string') {
    const word = BOOLEAN_WORDS[query.success.toLowerCase()];
    if (word !== undefined) query.success = word;
  }
  done();
}

export const performanceRoutes: RouteGroup = {
  tag,
  async plugin(app, { ctx }) {
    app.get(
      '/performance/comparison',
      {
        schema: {
          tags: [tag.name],
          summary: 'Compare the loading strategies’ measured performance',
          description:
            'Load times in seconds, `avg_memory_usage` in MiB, `success_rate`, `avg_user_satisfaction` and `avg_system_impact` in percent. ' +
            'Strategies without a recorded load are left out.',
          querystring: comparisonQuery,
          response: responses(comparisonData),
        },
      },
      async (request) => {
        const { package_name, time_window_hours } = request.query as {
          package_name?: string;
          time_window_hours?: number;
        };
        if (package_name !== undefined) assertPackageName(package_name);
        const since =
          time_window_hours === undefined
            ? Number.NEGATIVE_INFINITY
            : ctx.now().getTime() - time_window_hours * HOUR;
        const store = await ctx.read();
        const byStrategy = new Map<LoadingStrategy, PerformanceBucket[]>();
        for (const b of store.performance) {
          if (package_name !== undefined && b.package_name !== package_name) continue;
          if (getBucketEnd(b) <= since) continue;
          const group = byStrategy.get(b.strategy) ?? [];
          group.push(b);
          byStrategy.set(b.strategy, group);
        }
        const comparison = [];
        for (const strategy of STRATEGIES) {
          const buckets = byStrategy.get(strategy) ?? [];
          const stats = summarizeBuckets(buckets);
          if (stats.total_attempts === 0) continue;
          let satisfaction = 0;
          let satisfactionCount = 0;
          let impact = 0;
          let impactCount = 0;
          for (const b of buckets) {
            satisfaction += b.satisfaction_sum;
            satisfactionCount += b.satisfaction_count;
            impact += b.impact_sum;
            impactCount += b.impact_count;
          }
          comparison.push({
            strategy,
            avg_load_time: stats.avg_load_time,
            min_load_time: stats.min_load_time,
            max_load_time: stats.max_load_time,
            avg_memory_usage: stats.avg_memory_usage,
            success_rate: stats.success_rate,
            total_attempts: stats.total_attempts,
            avg_user_satisfaction: satisfactionCount > 0 ? toPercent(satisfaction / satisfactionCount) : null,
            avg_system_impact: impactCount > 0 ? toPercent(impact / impactCount) : null,
          });
        }
        return ok({
          performance_comparison: comparison,
          filters: { package_name: package_name ?? null, time_window_hours: time_window_hours ?? null },
          total_strategies: comparison.length,
        });
      },
    );

    app.post(
      '/performance/record',
      {
        preValidation: foldBodyIntoQuery,
        schema: {
          tags: [tag.name],
          summary: 'Record one load of a package',
          description:
            'Fields as query parameters (the seed’s form) or as a JSON body. The record is in the store’s spool when the answer comes; ' +
            'reads (comparison, status) fold the spool in first.',
          querystring: recordQuery,
          body: recordBody,
          response: responses(messageData(), 415),
        },
      },
      async (request) => {
        const q = request.query as RecordQuery;
        assertPackageName(q.package_name);
        await ctx.records.add({
          package_name: q.package_name,
          strategy: q.strategy,
          load_time: q.load_time,
          memory_usage: q.memory_usage,
          success: q.success,
          user_satisfaction: q.user_satisfaction ?? null,
          system_impact: q.system_impact ?? null,
          at: ctx.now().toISOString(),
        });
        return ok({
          message: `Performance data recorded for ${q.package_name} using ${q.strategy} strategy`,
        });
      },
    );
  },
};
