import type { AbResults } from '../analysis/ab-results.js';
import { completeAbTest, createAbTest, deleteAbTest, getAbTest, listAbTests } from '../config/ab-tests.js';
import { updateStore } from '../config/store.js';
import { usageError } from './usage.js';

export type AbFlags = {
  json?: boolean;
  apply?: boolean;
  status?: string;
  'strategy-a'?: string;
  'strategy-b'?: string;
  'traffic-split'?: string;
  'duration-days'?: string;
  'min-sample-size'?: string;
  metric?: string;
};

function parseNumber(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw usageError(`${flag} expects a number, got '${text}'`);
  return n;
}

function one(args: string[], what: string): string {
  if (args.length !== 1) throw usageError(`ab ${what} needs exactly <test_id>`);
  return args[0]!;
}

function cell(value: number | null, unit = ''): string {
  return value === null ? '—' : `${value}${unit}`;
}

function ms(seconds: number | null): string {
  return seconds === null ? '—' : `${(seconds * 1000).toFixed(1)} ms`;
}

function describeResults(r: AbResults): string[] {
  const rows = [r.strategy_a_performance, r.strategy_b_performance].map(
    (p, i) =>
      `  ${i === 0 ? 'a' : 'b'} ${p.strategy.padEnd(9)} ${String(p.processes).padStart(6)} processes  startup ${ms(p.avg_startup_time)}  load ${ms(p.avg_load_time)}  memory ${cell(p.avg_memory_usage, ' MiB')}  success ${cell(p.success_rate, '%')}`,
  );
  const lines = [...rows];
  lines.push(
    `  ${r.success_metric}: significance ${cell(r.statistical_significance)} (${r.method}), always-valid p ${r.sequential.always_valid_p_value === null ? '—' : r.sequential.always_valid_p_value.toPrecision(3)}`,
  );
  if (r.lift !== null)
    lines.push(`  lift of b over a: ${r.lift.estimate}% (95% CI ${r.lift.ci_lower}% to ${r.lift.ci_upper}%)`);
  const srm = r.sample_ratio_mismatch;
  lines.push(
    `  traffic: ${srm.observed_share_b === null ? '—' : srm.observed_share_b} on b for a split of ${srm.expected_share_b}${srm.detected ? ' — SAMPLE RATIO MISMATCH' : ''}`,
  );
  lines.push(`  winner: ${r.winner ?? `none (${r.winner_reason})`}`, `  ${r.recommendation}`);
  return lines;
}

/** `loadstrat ab create|list|show|complete|delete`. */
export async function runAb(storePath: string, args: string[], flags: AbFlags): Promise<string> {
  const [sub, ...rest] = args;
  const out = (data: unknown, text: () => string) => (flags.json ? JSON.stringify(data, null, 2) : text());
  switch (sub) {
    case 'create': {
      if (rest.length !== 1) throw usageError('ab create needs exactly <package>');
      const body: Record<string, unknown> = {
        strategy_a: flags['strategy-a'],
        strategy_b: flags['strategy-b'],
        traffic_split: parseNumber('--traffic-split', flags['traffic-split']),
        duration_days: parseNumber('--duration-days', flags['duration-days']),
        min_sample_size: parseNumber('--min-sample-size', flags['min-sample-size']),
        success_metric: flags.metric,
      };
      for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
      const created = await updateStore(storePath, (data) => createAbTest(data, rest[0], body));
      return out(
        created,
        () =>
          `${created.message}: ${created.test_id}, ${created.strategy_a} vs ${created.strategy_b} on ${created.success_metric}, ${created.traffic_split} of processes on ${created.strategy_b}, for ${created.duration_days} days`,
      );
    }
    case 'list': {
      if (rest.length > 0) throw usageError('ab list takes no arguments');
      const list = await updateStore(storePath, (data) => listAbTests(data, { status: flags.status }));
      return out(list, () =>
        list.total_tests === 0
          ? 'No A/B tests.'
          : list.ab_tests
              .map(
                (t) =>
                  `${t.test_id}  ${t.package_name}  ${t.strategy_a} vs ${t.strategy_b}  ${t.success_metric}  ${t.status}  started ${t.started_at}`,
              )
              .join('\n'),
      );
    }
    case 'show': {
      const test = await updateStore(storePath, (data) => getAbTest(data, one(rest, 'show')));
      return out(test, () => {
        const head = `${test.test_id}: ${test.package_name}, ${test.strategy_a} vs ${test.strategy_b} on ${test.success_metric}, ${test.status}${test.completed_at ? ` (completed ${test.completed_at})` : ''}`;
        const results = test.results as AbResults;
        return [head, ...(results.strategy_a_performance === undefined ? [] : describeResults(results))].join(
          '\n',
        );
      });
    }
    case 'complete': {
      const done = await updateStore(storePath, (data) =>
        completeAbTest(data, one(rest, 'complete'), { apply: flags.apply }),
      );
      return out(done, () =>
        [
          done.message,
          ...describeResults(done),
          ...(done.applied_strategy === null ? [] : [`  applied ${done.applied_strategy} as auto_optimized`]),
        ].join('\n'),
      );
    }
    case 'delete': {
      const deleted = await updateStore(storePath, (data) => deleteAbTest(data, one(rest, 'delete')));
      return out(deleted, () => deleted.message);
    }
    default:
      throw usageError(
        sub === undefined
          ? 'ab needs a subcommand: create, list, show, complete or delete'
          : `unknown ab subcommand '${sub}'`,
      );
  }
}
