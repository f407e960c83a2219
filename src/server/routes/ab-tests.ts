import type { FastifyRequest } from 'fastify';
import { AB_METRICS } from '../../analysis/ab-results.js';
import {
  AB_STATUSES,
  completeAbTest,
  createAbTest,
  deleteAbTest,
  getAbTest,
  listAbTests,
} from '../../config/ab-tests.js';
import { STRATEGIES } from '../../config/strategies.js';
import type { RouteGroup } from '../route-group.js';
import { ok } from '../route-group.js';
import { messageData, noQuery, responses } from '../schemas.js';
import { toSeedTime } from '../time.js';

const tag = { name: 'ab-tests', description: 'A/B tests comparing two strategies of one package' };

const strategy = { type: 'string', enum: [...STRATEGIES] } as const;
const nullableStrategy = { type: ['string', 'null'], enum: [...STRATEGIES, null] } as const;
const seedTime = {
  type: ['string', 'null'],
  description: 'UTC to the second, without a zone, as in the seed: 2024-01-01T00:00:00',
} as const;
const nullableNumber = { type: ['number', 'null'] } as const;
const packageName = {
  type: 'string',
  minLength: 1,
  maxLength: 214,
  description: 'An npm package name',
} as const;
const abStatus = { type: 'string', enum: [...AB_STATUSES] } as const;
const metric = { type: 'string', enum: [...AB_METRICS] } as const;

const createQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    package_name: { ...packageName, description: 'The package to test (or `package_name` in the body)' },
  },
} as const;

const createBody = {
  type: 'object',
  required: ['strategy_a', 'strategy_b'],
  additionalProperties: false,
  properties: {
    package_name: { ...packageName, description: 'Instead of the query parameter (not a different one)' },
    strategy_a: strategy,
    strategy_b: { ...strategy, description: 'Must differ from strategy_a' },
    traffic_split: {
      type: 'number',
      exclusiveMinimum: 0,
      exclusiveMaximum: 1,
      default: 0.5,
      description: 'The share of processes given strategy_b',
    },
    duration_days: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 3650,
      default: 7,
      description: 'The test completes itself this long after it started',
    },
    min_sample_size: {
      type: 'integer',
      minimum: 2,
      maximum: 1_000_000_000,
      default: 100,
      description: 'Processes each arm needs before a winner is declared',
    },
    success_metric: { ...metric, default: 'load_time' },
  },
} as const;

const testFields = {
  test_id: { type: 'string' },
  package_name: { type: 'string' },
  strategy_a: strategy,
  strategy_b: strategy,
  traffic_split: { type: 'number' },
  duration_days: { type: 'number' },
  min_sample_size: { type: 'integer' },
  success_metric: metric,
  status: abStatus,
  created_at: seedTime,
  started_at: seedTime,
  completed_at: seedTime,
} as const;
const testRequired = Object.keys(testFields);

const createData = {
  type: 'object',
  required: [...testRequired.filter((k) => k !== 'completed_at'), 'message'],
  properties: {
    ...Object.fromEntries(Object.entries(testFields).filter(([k]) => k !== 'completed_at')),
    message: { type: 'string' },
  },
} as const;

const listQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { status: { ...abStatus, description: 'only tests with this status' } },
} as const;

const listData = {
  type: 'object',
  required: ['ab_tests', 'total_tests', 'filter'],
  properties: {
    ab_tests: { type: 'array', items: { type: 'object', required: testRequired, properties: testFields } },
    total_tests: { type: 'integer' },
    filter: { type: 'object', required: ['status'], properties: { status: { type: ['string', 'null'] } } },
  },
} as const;

const armPerformance = {
  type: 'object',
  description: 'Per-arm means: times in seconds, memory in MiB, success rate in percent',
  properties: {
    strategy,
    processes: { type: 'integer' },
    avg_startup_time: nullableNumber,
    avg_load_time: nullableNumber,
    avg_memory_usage: nullableNumber,
    success_rate: nullableNumber,
    total_attempts: { type: 'integer' },
  },
} as const;
const interval = (unitField: object) =>
  ({
    type: ['object', 'null'],
    properties: {
      estimate: { type: 'number' },
      ci_lower: { type: 'number' },
      ci_upper: { type: 'number' },
      ...unitField,
    },
  }) as const;

/** The analysis (src/analysis/ab-results.ts): the seed's fields first, then the statistics behind them. */
const resultFields = {
  strategy_a_performance: armPerformance,
  strategy_b_performance: armPerformance,
  statistical_significance: {
    ...nullableNumber,
    description: '1 − p of the two-sided test; null without data',
  },
  winner: { ...nullableStrategy, description: 'null until both arms reach min_sample_size at ≥ 0.95' },
  recommendation: { type: 'string' },
  success_metric: metric,
  method: { type: 'string', enum: ['welch_t_test', 'two_proportion_z_test'] },
  p_value: nullableNumber,
  lift: {
    ...interval({ confidence_level: { type: 'number' } }),
    description: 'strategy_b vs strategy_a, percent',
  },
  difference: {
    ...interval({ unit: { type: 'string' } }),
    description: 'strategy_b − strategy_a in the metric’s unit',
  },
  sample_ratio_mismatch: {
    type: 'object',
    properties: {
      detected: { type: 'boolean' },
      chi_square: nullableNumber,
      p_value: nullableNumber,
      expected_share_b: { type: 'number' },
      observed_share_b: nullableNumber,
    },
  },
  healthy: { type: 'boolean' },
  sequential: {
    type: 'object',
    properties: {
      method: { type: 'string' },
      always_valid_p_value: nullableNumber,
      alpha: { type: 'number' },
      stop: { type: 'boolean' },
    },
  },
  winner_reason: { type: ['string', 'null'], description: 'why there is no winner (yet)' },
} as const;
const completionFields = {
  completed_by: { type: 'string', enum: ['manual', 'duration', 'sequential_stop'] },
  applied_strategy: { ...nullableStrategy, description: 'the winner, when `apply=true` stored it' },
} as const;

const testData = {
  type: 'object',
  required: [...testRequired, 'results'],
  properties: {
    ...testFields,
    results: {
      type: 'object',
      description:
        'Live while the test runs, frozen when it completes (then with completed_by, applied_strategy)',
      properties: { ...resultFields, ...completionFields },
    },
  },
} as const;

const completeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    apply: {
      type: 'boolean',
      default: false,
      description:
        'Store the winner as the package’s `auto_optimized` strategy (true/false; True/False accepted)',
    },
  },
} as const;

const completeData = {
  type: 'object',
  required: ['test_id', ...Object.keys(resultFields), ...Object.keys(completionFields), 'message'],
  properties: {
    test_id: { type: 'string' },
    ...resultFields,
    ...completionFields,
    message: { type: 'string' },
  },
} as const;

const testParams = {
  type: 'object',
  required: ['test_id'],
  properties: { test_id: { type: 'string', minLength: 1, maxLength: 200 } },
} as const;

type Times = { created_at: string; started_at: string; completed_at?: string | null };

/** The stored ISO times in the seed's form. */
function withSeedTimes<T extends Times>(test: T): T {
  const out = { ...test, created_at: toSeedTime(test.created_at), started_at: toSeedTime(test.started_at) };
  if ('completed_at' in test) out.completed_at = toSeedTime(test.completed_at);
  return out as T;
}

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/** Python's `requests` sends `params={"apply": True}` as `apply=True`. */
function parseApply(request: FastifyRequest, _reply: unknown, done: (error?: Error) => void): void {
  const query = request.query as Record<string, unknown>;
  if (typeof query.apply === 'string') {
    const word = BOOLEAN_WORDS[query.apply.toLowerCase()];
    if (word !== undefined) query.apply = word;
  }
  done();
}

function getTestId(request: FastifyRequest): string {
  return (request.params as { test_id: string }).test_id;
}

export const abTestRoutes: RouteGroup = {
  tag,
  async plugin(app, { ctx }) {
    app.post(
      '/ab-tests',
      {
        schema: {
          tags: [tag.name],
          summary: 'Create an A/B test of two strategies for one package',
          description:
            'Processes are assigned an arm deterministically; `traffic_split` of them get strategy_b. ' +
            'One active test per package (409 otherwise).',
          querystring: createQuery,
          body: createBody,
          response: responses(createData, 409, 415),
        },
      },
      async (request) => {
        const { package_name } = request.query as { package_name?: string };
        const now = ctx.now();
        const created = await ctx.update((data) => createAbTest(data, package_name, request.body, { now }));
        return ok(withSeedTimes(created));
      },
    );

    app.get(
      '/ab-tests',
      {
        schema: {
          tags: [tag.name],
          summary: 'Every A/B test',
          description: 'Tests past their duration_days (or stopped by the sequential test) complete first.',
          querystring: listQuery,
          response: responses(listData),
        },
      },
      async (request) => {
        const query = request.query as { status?: string };
        const now = ctx.now();
        const list = await ctx.update((data) => listAbTests(data, query, { now }));
        return ok({ ...list, ab_tests: list.ab_tests.map(withSeedTimes) });
      },
    );

    app.get(
      '/ab-tests/:test_id',
      {
        schema: {
          tags: [tag.name],
          summary: 'One A/B test with its results',
          params: testParams,
          querystring: noQuery,
          response: responses(testData, 404),
        },
      },
      async (request) => {
        const id = getTestId(request);
        const now = ctx.now();
        return ok(withSeedTimes(await ctx.update((data) => getAbTest(data, id, { now }))));
      },
    );

    app.post(
      '/ab-tests/:test_id/complete',
      {
        preValidation: parseApply,
        schema: {
          tags: [tag.name],
          summary: 'Complete an A/B test: analyse it, freeze its results, optionally apply the winner',
          description: '409 when the test is no longer active.',
          params: testParams,
          querystring: completeQuery,
          response: responses(completeData, 404, 409),
        },
      },
      async (request) => {
        const id = getTestId(request);
        const { apply } = request.query as { apply: boolean };
        const now = ctx.now();
        return ok(await ctx.update((data) => completeAbTest(data, id, { apply, now })));
      },
    );

    app.delete(
      '/ab-tests/:test_id',
      {
        schema: {
          tags: [tag.name],
          summary: 'Delete an A/B test',
          params: testParams,
          querystring: noQuery,
          response: responses(messageData('test_id'), 404),
        },
      },
      async (request) => {
        const id = getTestId(request);
        return ok(await ctx.update((data) => deleteAbTest(data, id)));
      },
    );
  },
};
