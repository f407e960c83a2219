import { getRecommendations } from '../analysis/recommendations.js';
import { createReport, type PackageRow } from '../analysis/report.js';
import { getAbTest } from '../config/ab-tests.js';
import { readStore } from '../config/store.js';

function cell(value: number | null, format: (v: number) => string): string {
  return value === null ? '—' : format(value);
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(1)} ms`;

function toTable(rows: readonly PackageRow[]): string {
  const header = ['package', 'strategy', 'loads', 'ok %', 'p50', 'p99', 'memory', 'used/observed/imported'];
  const lines = rows.map((r) => [
    r.package_name,
    r.strategy,
    String(r.total_attempts),
    cell(r.success_rate, (v) => v.toFixed(1)),
    cell(r.p50_load_time, ms),
    cell(r.p99_load_time, ms),
    cell(r.avg_memory_usage, (v) => `${v.toFixed(2)} MiB`),
    `${r.used_processes}/${r.observed_processes}/${r.processes}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  return [header, ...lines]
    .map((l) =>
      l
        .map((c, i) => c.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Recommendations shown at a glance: the low-confidence ones too, so a reader sees what is forming. */
const REPORT_MIN_CONFIDENCE = 0.4;

export async function runReport(storePath: string, json: boolean): Promise<string> {
  const data = await readStore(storePath);
  const report = {
    ...createReport(data, storePath),
    recommendations: getRecommendations(data, { min_confidence: REPORT_MIN_CONFIDENCE }).recommendations,
    ab_tests: data.ab_tests.map((t) => getAbTest(data, t.test_id)),
  };
  if (json) return JSON.stringify(report, null, 2);
  const out = [`store: ${report.store}`, `global default: ${report.global_default_strategy}`, ''];
  out.push(report.packages.length > 0 ? toTable(report.packages) : 'no packages configured or measured yet');
  if (report.startup.processes > 0) {
    out.push(
      '',
      `startup: ${report.startup.processes} processes, mean ${cell(report.startup.avg_startup_time, ms)}`,
    );
  }
  const fallbacks = report.packages.filter((p) => Object.keys(p.native_reasons).length > 0);
  if (fallbacks.length > 0) {
    out.push('', 'loaded natively instead of deferred:');
    for (const p of fallbacks) {
      for (const [reason, n] of Object.entries(p.native_reasons))
        out.push(`  ${p.package_name}: ${reason} (${n}×)`);
    }
  }
  if (report.recommendations.length > 0) {
    out.push('', 'recommendations:');
    for (const r of report.recommendations) {
      out.push(
        `  ${r.package_name}: ${r.current_strategy} → ${r.recommended_strategy} (confidence ${r.confidence}, ` +
          `expected ${r.expected_improvement}%): ${r.reasoning}`,
      );
    }
  }
  if (report.ab_tests.length > 0) {
    out.push('', 'A/B tests:');
    for (const t of report.ab_tests) {
      const results = t.results as { winner?: string | null; statistical_significance?: number | null };
      out.push(
        `  ${t.test_id} ${t.package_name}: ${t.strategy_a} vs ${t.strategy_b}, ${t.status}, ` +
          `significance ${results.statistical_significance ?? '—'}, winner ${results.winner ?? 'none yet'}`,
      );
    }
  }
  return out.join('\n');
}
