// The JSON schemas that validate every request and shape every response; /docs is generated from them.
import { CONFIGURATION_TYPES, STRATEGIES } from '../config/strategies.js';

export const API_PREFIX = '/api/strategy-configuration';

/** Load times above an hour are outside what the store's histograms track. */
export const MAX_LOAD_TIME_S = 3600;

const strategy = { type: 'string', enum: [...STRATEGIES], description: 'A loading strategy' } as const;
const nullableStrategy = { type: ['string', 'null'], enum: [...STRATEGIES, null] } as const;
const configurationType = { type: 'string', enum: [...CONFIGURATION_TYPES] } as const;
const packageName = {
  type: 'string',
  minLength: 1,
  maxLength: 214,
  description: 'An npm package name; scoped names (`@scope/pkg`) may be sent URL-encoded or not',
} as const;
const seedTime = {
  type: ['string', 'null'],
  description: 'UTC to the second, without a zone, as in the seed: 2024-01-01T00:00:00',
} as const;
const score = { type: 'number', minimum: 0, maximum: 1 } as const;
const percent = { type: ['number', 'null'], description: 'percent (0.8 → 80.0); null without data' } as const;
const seconds = { type: ['number', 'null'], description: 'seconds; null without data' } as const;

/** No query parameters: any given is an error naming it. */
export const noQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

const errorBody = {
  type: 'object',
  required: ['status', 'error'],
  properties: {
    status: { type: 'string', enum: ['error'] },
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string' } },
    },
  },
} as const;

const errorDescriptions: Record<number, string> = {
  400: 'Invalid request; the message names the field',
  401: 'Missing or wrong `Authorization: Bearer <token>`',
  404: 'Not found',
  409: 'Conflict',
  413: 'Body too large',
  415: 'Content type other than application/json',
  500: 'The store could not be read (the message names its path)',
  503: 'The store is locked by another process for too long',
};

/** A 200 in the seed's envelope plus the documented error answers. */
export function responses(data: object, ...errors: number[]) {
  const out: Record<number, object> = {
    200: {
      description: 'Success',
      type: 'object',
      required: ['status', 'data'],
      properties: { status: { type: 'string', enum: ['success'] }, data },
    },
  };
  for (const status of [400, 401, ...errors, 500, 503])
    out[status] = { description: errorDescriptions[status], ...errorBody };
  return out;
}

const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export const statusData = {
  type: 'object',
  required: ['configuration_summary', 'available_strategies', 'configuration_types', 'system_status'],
  properties: {
    configuration_summary: {
      type: 'object',
      required: [
        'total_configurations',
        'strategy_distribution',
        'configuration_type_distribution',
        'active_ab_tests',
        'total_ab_tests',
        'performance_records',
        'global_default_strategy',
      ],
      properties: {
        total_configurations: { type: 'integer' },
        strategy_distribution: { ...counts, description: 'configured packages per strategy' },
        configuration_type_distribution: {
          ...counts,
          description: 'configured packages per configuration type',
        },
        active_ab_tests: { type: 'integer' },
        total_ab_tests: { type: 'integer' },
        performance_records: { type: 'integer', description: 'recorded loads (all buckets, all packages)' },
        global_default_strategy: strategy,
      },
    },
    available_strategies: { type: 'array', items: { type: 'string' } },
    configuration_types: { type: 'array', items: { type: 'string' } },
    system_status: { type: 'string', enum: ['active'] },
  },
} as const;

/** What a configuration says besides its package and strategy: shared by the list and the detail. */
const configurationMeta = {
  configuration_type: configurationType,
  priority: { type: 'integer' },
  enabled: { type: 'boolean' },
  created_at: seedTime,
  updated_at: seedTime,
  performance_threshold: { type: ['number', 'null'] },
  fallback_strategy: nullableStrategy,
} as const;

const configurationFields = { package_name: { type: 'string' }, strategy, ...configurationMeta } as const;

export const configurationListData = {
  type: 'object',
  required: ['configurations', 'total_configurations'],
  properties: {
    configurations: {
      type: 'array',
      items: { type: 'object', required: Object.keys(configurationFields), properties: configurationFields },
    },
    total_configurations: { type: 'integer' },
  },
} as const;

export const packageParams = {
  type: 'object',
  required: ['package_name'],
  properties: { package_name: packageName },
} as const;

/** `@scope/pkg` sent unencoded arrives as two path segments; hidden from the docs. */
export const scopedPackageParams = {
  type: 'object',
  required: ['scope', 'name'],
  properties: { scope: { type: 'string' }, name: { type: 'string' } },
} as const;

export const packageData = {
  type: 'object',
  required: [
    'package_name',
    'current_strategy',
    'configured_strategy',
    'configuration_type',
    'priority',
    'enabled',
    'created_at',
    'updated_at',
    'performance_threshold',
    'fallback_strategy',
  ],
  properties: {
    // The seed's detail: a configuration whose `strategy` is split into current and configured.
    package_name: { type: 'string' },
    ...configurationMeta,
    current_strategy: { ...strategy, description: 'what processes most recently reported using' },
    configured_strategy: {
      ...strategy,
      description: 'what the store says (the global default when unconfigured)',
    },
  },
} as const;

export const setPackageBody = {
  type: 'object',
  required: ['strategy'],
  additionalProperties: false,
  properties: {
    strategy,
    configuration_type: {
      ...configurationType,
      default: 'package_specific',
      description: '`global` is refused here: the global default has its own endpoint, PUT /global-default',
    },
    priority: { type: 'integer', minimum: 1, maximum: 1_000_000, default: 1, description: '1 loads first' },
    performance_threshold: {
      type: ['number', 'null'],
      exclusiveMinimum: 0,
      maximum: MAX_LOAD_TIME_S,
      description: 'seconds: above this recent mean load time, `fallback_strategy` is used',
    },
    fallback_strategy: nullableStrategy,
    enabled: { type: 'boolean', default: true },
    metadata: { type: 'object', maxProperties: 100 },
  },
} as const;

export const setPackageData = {
  type: 'object',
  required: [
    'package_name',
    'strategy',
    'configuration_type',
    'priority',
    'performance_threshold',
    'fallback_strategy',
    'message',
  ],
  properties: {
    package_name: { type: 'string' },
    strategy,
    configuration_type: configurationType,
    priority: { type: 'integer' },
    performance_threshold: { type: ['number', 'null'] },
    fallback_strategy: nullableStrategy,
    message: { type: 'string' },
  },
} as const;

export const messageData = (...fields: string[]) =>
  ({
    type: 'object',
    required: [...fields, 'message'],
    properties: {
      ...Object.fromEntries(fields.map((f) => [f, { type: 'string' }])),
      message: { type: 'string' },
    },
  }) as const;

export const comparisonQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    package_name: { ...packageName, description: 'only this package' },
    time_window_hours: {
      type: 'number',
      exclusiveMinimum: 0,
      maximum: 24 * 365 * 10,
      description: 'only the last N hours (hourly buckets overlapping the window)',
    },
  },
} as const;

export const comparisonData = {
  type: 'object',
  required: ['performance_comparison', 'filters', 'total_strategies'],
  properties: {
    performance_comparison: {
      type: 'array',
      items: {
        type: 'object',
        required: [
          'strategy',
          'avg_load_time',
          'min_load_time',
          'max_load_time',
          'avg_memory_usage',
          'success_rate',
          'total_attempts',
          'avg_user_satisfaction',
          'avg_system_impact',
        ],
        properties: {
          strategy,
          avg_load_time: seconds,
          min_load_time: seconds,
          max_load_time: seconds,
          avg_memory_usage: { type: ['number', 'null'], description: 'MiB (50000000 bytes → 47.68)' },
          success_rate: percent,
          total_attempts: { type: 'integer' },
          avg_user_satisfaction: percent,
          avg_system_impact: percent,
        },
      },
    },
    filters: {
      type: 'object',
      required: ['package_name', 'time_window_hours'],
      properties: {
        package_name: { type: ['string', 'null'] },
        time_window_hours: { type: ['number', 'null'] },
      },
    },
    total_strategies: { type: 'integer' },
  },
} as const;

const recordFields = {
  package_name: packageName,
  strategy,
  load_time: { type: 'number', minimum: 0, maximum: MAX_LOAD_TIME_S, description: 'seconds' },
  memory_usage: { type: 'number', minimum: 0, maximum: Number.MAX_SAFE_INTEGER, description: 'bytes' },
  success: { type: 'boolean', description: 'true/false (Python’s True/False and 1/0 are accepted too)' },
  user_satisfaction: { ...score, description: '0.0 to 1.0' },
  system_impact: { ...score, description: '0.0 to 1.0' },
} as const;
const recordRequired = ['package_name', 'strategy', 'load_time', 'memory_usage', 'success'];

/** The seed sends these as query parameters; the same fields in a JSON body are accepted too. */
export const recordQuery = {
  type: 'object',
  additionalProperties: false,
  required: recordRequired,
  properties: recordFields,
} as const;

export const recordBody = {
  type: ['object', 'null'],
  additionalProperties: false,
  properties: recordFields,
  description: 'The query parameters’ fields as JSON instead (not both for one field)',
} as const;

export const globalDefaultBody = {
  type: 'object',
  required: ['strategy'],
  additionalProperties: false,
  properties: { strategy },
} as const;

export const globalDefaultData = {
  type: 'object',
  required: ['global_default_strategy', 'configuration_type'],
  properties: {
    global_default_strategy: strategy,
    configuration_type: { type: 'string', enum: ['global'] },
    message: { type: 'string' },
  },
} as const;

// The fleet: what a preloaded process sends (src/metrics/process-report.ts), validated whole.
const kind = { type: 'string', enum: ['function', 'arrow', 'object', 'array', 'primitive', 'null'] } as const;
const shape = {
  type: 'object',
  required: ['stamp', 'kind', 'props', 'esModule', 'thenable'],
  additionalProperties: false,
  properties: {
    stamp: { type: 'string', maxLength: 100 },
    kind,
    props: { type: 'object', maxProperties: 10_000, additionalProperties: kind },
    esModule: { type: 'boolean' },
    thenable: { type: 'boolean' },
    empty: { type: 'boolean' },
    unsafe: { type: 'string', maxLength: 200 },
    format: { type: 'string', enum: ['module', 'commonjs'] },
    default_props: { type: 'object', maxProperties: 10_000, additionalProperties: kind },
  },
} as const;
const loadSample = {
  type: 'array',
  description: '[microseconds, 1 success | 0 failure, memory delta in bytes or -1 when not measured]',
  minItems: 3,
  maxItems: 3,
  items: [
    { type: 'integer', minimum: 1, maximum: MAX_LOAD_TIME_S * 1e6 },
    { type: 'integer', enum: [0, 1] },
    { type: 'number', minimum: -1, maximum: Number.MAX_SAFE_INTEGER },
  ],
  additionalItems: false,
} as const;
const packageReport = {
  type: 'object',
  required: [
    'strategy',
    'loads',
    'imported',
    'observed',
    'used',
    'first_use_s',
    'import_site_use',
    'native_reason',
  ],
  additionalProperties: false,
  properties: {
    strategy,
    loads: { type: 'array', maxItems: 100_000, items: loadSample },
    imported: { type: 'boolean' },
    observed: { type: 'boolean' },
    used: { type: 'boolean' },
    first_use_s: { type: ['number', 'null'], minimum: 0 },
    import_site_use: { type: 'boolean' },
    native_reason: { type: ['string', 'null'], maxLength: 500 },
  },
} as const;
const isoTime = { type: 'string', format: 'date-time' } as const;
const manualRecord = {
  type: 'object',
  required: [
    'package_name',
    'strategy',
    'load_time',
    'memory_usage',
    'success',
    'user_satisfaction',
    'system_impact',
    'at',
  ],
  additionalProperties: false,
  properties: {
    ...recordFields,
    user_satisfaction: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    system_impact: { type: ['number', 'null'], minimum: 0, maximum: 1 },
    at: isoTime,
  },
} as const;
export const processReport = {
  type: 'object',
  required: [
    'id',
    'pid',
    'started_at',
    'ended_at',
    'first',
    'startup_s',
    'ab',
    'packages',
    'shapes',
    'events',
    'records',
  ],
  additionalProperties: false,
  properties: {
    id: {
      type: 'string',
      pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$',
      description: 'unique per report; a resend overwrites',
    },
    pid: { type: 'integer', minimum: 0 },
    started_at: isoTime,
    ended_at: isoTime,
    first: { type: 'boolean', description: 'the process’s first report: it counts as one process' },
    startup_s: { type: ['number', 'null'], minimum: 0 },
    ab: { type: 'object', maxProperties: 1000, additionalProperties: { type: 'string', enum: ['a', 'b'] } },
    packages: {
      type: 'object',
      maxProperties: 10_000,
      additionalProperties: packageReport,
      description: 'by package name',
    },
    shapes: {
      type: 'object',
      maxProperties: 10_000,
      additionalProperties: { type: 'object', additionalProperties: shape },
    },
    events: {
      type: 'array',
      maxItems: 100,
      items: {
        type: 'object',
        required: ['code', 'message', 'package_name'],
        additionalProperties: false,
        properties: {
          code: { type: 'string', maxLength: 100 },
          message: { type: 'string', maxLength: 10_000 },
          package_name: { type: ['string', 'null'], maxLength: 214 },
        },
      },
    },
    records: { type: 'array', maxItems: 100_000, items: manualRecord },
  },
} as const;

export const fleetReportsBody = {
  type: 'object',
  required: ['reports'],
  additionalProperties: false,
  properties: { reports: { type: 'array', minItems: 1, maxItems: 1000, items: processReport } },
} as const;

export const fleetReportsData = {
  type: 'object',
  required: ['accepted', 'message'],
  properties: { accepted: { type: 'integer' }, message: { type: 'string' } },
} as const;

/** The boot view (src/config/boot-view.ts) as it is; its shape belongs to the preloader. */
export const bootViewData = { type: 'object', additionalProperties: true } as const;

export const healthResponse = {
  200: {
    type: 'object',
    properties: {
      status: { type: 'string', enum: ['success'] },
      data: { type: 'object', properties: { status: { type: 'string' }, uptime_s: { type: 'number' } } },
    },
  },
} as const;
