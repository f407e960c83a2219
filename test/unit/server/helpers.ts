import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { expect } from 'vitest';
import { buildApp, type ServerDeps } from '../../../src/server/app.js';

export const TOKEN = 'your-token';
export const AUTH = { authorization: `Bearer ${TOKEN}` };
export const API = '/api/strategy-configuration';

export async function createTestApp(
  deps: Partial<ServerDeps> = {},
): Promise<{ app: FastifyInstance; store: string; dir: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'loadstrat-server-'));
  const store = join(dir, 'strategy_config.json');
  const app = await buildApp({ storePath: store, token: TOKEN, mergeIntervalMs: 0, ...deps });
  return { app, store, dir };
}

/** What Python's `requests` puts on the wire: its default headers and its encoding of `params`. */
export const PYTHON_HEADERS = {
  'user-agent': 'python-requests/2.34.2',
  'accept-encoding': 'gzip, deflate',
  accept: '*/*',
  connection: 'keep-alive',
};

/** urllib.parse.urlencode as requests calls it: str() of each value (True → "True"), quote_plus. */
export function encodePythonParams(params: Record<string, string | number | boolean>): string {
  const str = (v: string | number | boolean) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));
  const quote = (s: string) =>
    encodeURIComponent(s)
      .replace(/%20/g, '+')
      .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(params)
    .map(([k, v]) => `${quote(k)}=${quote(str(v))}`)
    .join('&');
}

export type PythonCall = {
  method: 'GET' | 'PUT' | 'POST' | 'DELETE';
  path: string;
  params?: Record<string, string | number | boolean>;
  /** The body exactly as `json.dumps` writes it (", " and ": " separators, 2.0 stays 2.0). */
  json?: string;
};

/** A seed snippet's request as app.inject options. */
export function toInject(call: PythonCall, headers: Record<string, string> = AUTH) {
  const query = call.params === undefined ? '' : `?${encodePythonParams(call.params)}`;
  const out: Record<string, string> = { ...PYTHON_HEADERS, ...headers };
  if (call.json !== undefined) out['content-type'] = 'application/json';
  else if (call.method === 'POST' || call.method === 'PUT') out['content-length'] = '0';
  return {
    method: call.method,
    url: `${API}${call.path}${query}`,
    headers: out,
    ...(call.json === undefined ? {} : { payload: call.json }),
  };
}

/**
 * The seed's example requests. `shape` is the seed's response example: the answer must have exactly its
 * field names, and each value the JSON type the seed shows (a seed `null` allows null or a value).
 */
export const SEED_CALLS = {
  put: {
    method: 'PUT',
    path: '/packages/torch',
    json: '{"strategy": "eager", "configuration_type": "package_specific", "priority": 1, "performance_threshold": 2.0, "fallback_strategy": "lazy"}',
  },
  record: {
    method: 'POST',
    path: '/performance/record',
    params: {
      package_name: 'torch',
      strategy: 'eager',
      load_time: 1.5,
      memory_usage: 50000000,
      success: true,
      user_satisfaction: 0.8,
      system_impact: 0.3,
    },
  },
  status: { method: 'GET', path: '/status' },
  list: { method: 'GET', path: '/packages' },
  get: { method: 'GET', path: '/packages/torch' },
  comparison: {
    method: 'GET',
    path: '/performance/comparison',
    params: { package_name: 'torch', time_window_hours: 24 },
  },
  delete: { method: 'DELETE', path: '/packages/torch' },
} satisfies Record<string, PythonCall>;

const seedTime = '2024-01-01T00:00:00';
const configuration = {
  package_name: 'torch',
  strategy: 'eager',
  configuration_type: 'package_specific',
  priority: 1,
  enabled: true,
  created_at: seedTime,
  updated_at: seedTime,
  performance_threshold: null,
  fallback_strategy: null,
};
const comparisonRow = {
  strategy: 'lazy',
  avg_load_time: 1.5,
  min_load_time: 0.8,
  max_load_time: 2.2,
  avg_memory_usage: 47.68,
  success_rate: 95.0,
  total_attempts: 20,
  avg_user_satisfaction: 80.0,
  avg_system_impact: 30.0,
};

export const SEED_RESPONSES = {
  status: {
    status: 'success',
    data: {
      configuration_summary: {
        total_configurations: 5,
        strategy_distribution: { lazy: 3, eager: 1, preload: 1 },
        configuration_type_distribution: { package_specific: 4, auto_optimized: 1 },
        active_ab_tests: 2,
        total_ab_tests: 3,
        performance_records: 150,
        global_default_strategy: 'lazy',
      },
      available_strategies: ['eager', 'lazy', 'preload', 'on_demand'],
      configuration_types: ['global', 'package_specific', 'user_preference', 'auto_optimized', 'a_b_test'],
      system_status: 'active',
    },
  },
  list: { status: 'success', data: { configurations: [configuration], total_configurations: 1 } },
  get: {
    status: 'success',
    data: { ...configuration, current_strategy: 'lazy', configured_strategy: 'eager', strategy: undefined },
  },
  put: {
    status: 'success',
    data: {
      package_name: 'torch',
      strategy: 'eager',
      configuration_type: 'package_specific',
      priority: 1,
      performance_threshold: 2.0,
      fallback_strategy: 'lazy',
      message: 'Strategy for torch set to eager',
    },
  },
  delete: {
    status: 'success',
    data: { package_name: 'torch', message: 'Strategy configuration for torch removed' },
  },
  comparison: {
    status: 'success',
    data: {
      performance_comparison: [comparisonRow],
      filters: { package_name: 'torch', time_window_hours: 24 },
      total_strategies: 2,
    },
  },
  record: {
    status: 'success',
    data: { message: 'Performance data recorded for torch using eager strategy' },
  },
};
// The seed's GET /packages/{name} example has no `strategy` field.
delete (SEED_RESPONSES.get.data as Record<string, unknown>).strategy;

/** Objects whose keys are data (counts per strategy), not field names. */
const MAPS = new Set(['strategy_distribution', 'configuration_type_distribution']);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Field for field against a seed example; returns the differences as readable paths. */
export function diffShape(actual: unknown, seed: unknown, path = '$', key = ''): string[] {
  if (seed === null) return [];
  const a = typeOf(actual);
  const s = typeOf(seed);
  // JSON has one number type: an integer-valued float (95.0) is a number too.
  if (s === 'number' && a === 'integer') return [];
  if (a !== s) return [`${path}: ${a} where the seed has ${s}`];
  if (s === 'array') {
    const first = (seed as unknown[])[0];
    return first === undefined
      ? []
      : (actual as unknown[]).flatMap((item, i) => diffShape(item, first, `${path}[${i}]`));
  }
  if (s !== 'object') return [];
  const out: string[] = [];
  const actualObject = actual as Record<string, unknown>;
  const seedObject = seed as Record<string, unknown>;
  if (MAPS.has(key)) {
    for (const [k, v] of Object.entries(actualObject))
      if (typeOf(v) !== 'integer') out.push(`${path}.${k}: not an integer`);
    return out;
  }
  for (const k of Object.keys(seedObject)) if (!(k in actualObject)) out.push(`${path}.${k}: missing`);
  for (const k of Object.keys(actualObject)) {
    if (!(k in seedObject)) out.push(`${path}.${k}: not in the seed`);
    else out.push(...diffShape(actualObject[k], seedObject[k], `${path}.${k}`, k));
  }
  return out;
}

export function expectSeedShape(actual: unknown, seed: unknown): void {
  expect(diffShape(actual, seed)).toEqual([]);
}
