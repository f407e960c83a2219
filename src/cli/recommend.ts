import {
  applyRecommendations,
  getRecommendations,
  type Recommendation,
} from '../analysis/recommendations.js';
import { revertAutoOptimized } from '../config/auto-optimized.js';
import { updateStore } from '../config/store.js';
import { usageError } from './usage.js';

export type RecommendFlags = { apply?: boolean; revert?: boolean; 'min-confidence'?: string; json?: boolean };

function describe(r: Recommendation): string {
  return [
    `${r.package_name}: ${r.current_strategy} → ${r.recommended_strategy} (confidence ${r.confidence.toFixed(2)}, expected improvement ${r.expected_improvement}%, cost ${r.implementation_cost}, risk ${r.risk_level}, ${r.data_points} data points)`,
    `  ${r.reasoning}`,
  ].join('\n');
}

/** `loadstrat recommend [package] [--min-confidence X] [--apply] [--json]`, and `--revert <package>`. */
export async function runRecommend(
  storePath: string,
  args: string[],
  flags: RecommendFlags,
): Promise<string> {
  if (args.length > 1) throw usageError('recommend takes at most one <package>');
  const [name] = args;
  if (flags.revert) {
    if (name === undefined || flags.apply)
      throw usageError('recommend --revert needs exactly one <package> and no --apply');
    const restored = await updateStore(storePath, (data) => revertAutoOptimized(data, name));
    return restored === null
      ? `Reverted ${name}: it has no configuration of its own again`
      : `Reverted ${name} to ${restored.strategy} (${restored.configuration_type})`;
  }
  const query = { package_name: name, min_confidence: flags['min-confidence'] };
  if (!flags.apply) {
    const result = await updateStore(storePath, (data) => getRecommendations(data, query), {
      onlyIfMerged: true,
    });
    if (flags.json) return JSON.stringify(result, null, 2);
    if (result.total_recommendations === 0) {
      return `No recommendations at confidence ≥ ${result.filters.min_confidence}${name ? ` for ${name}` : ''}: too little data, or every strategy already fits its usage.`;
    }
    return result.recommendations.map(describe).join('\n');
  }
  const applied = await updateStore(storePath, (data) => {
    const shown = getRecommendations(data, query);
    return {
      shown,
      result: applyRecommendations(
        data,
        shown.recommendations.map((r) => r.package_name),
        { min_confidence: shown.filters.min_confidence },
      ),
    };
  });
  if (flags.json) return JSON.stringify(applied.result, null, 2);
  if (applied.result.total_packages === 0)
    return `Nothing to apply at confidence ≥ ${applied.shown.filters.min_confidence}.`;
  const lines = applied.result.results.map((r) =>
    r.success
      ? `${r.package_name}: now ${r.applied_strategy} (auto_optimized); undo with loadstrat recommend --revert ${r.package_name}`
      : `${r.package_name}: not applied: ${r.reason}`,
  );
  return [
    ...lines,
    `${applied.result.successful_applications} of ${applied.result.total_packages} applied`,
  ].join('\n');
}
