import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getRuntime } from './bootstrap.js';
import { readBootView } from './config/boot-view.js';
import {
  removePackageConfiguration,
  type StrategyInput,
  setPackageConfiguration,
} from './config/configurations.js';
import { readSettings } from './config/env.js';
import { type PerformanceInput, validatePerformanceInput } from './config/manual-record.js';
import { decideStrategy } from './config/precedence.js';
import { writeSpoolSync } from './config/spool.js';
import { updateStore } from './config/store.js';
import type { PackageConfiguration } from './config/store-schema.js';
import type { LoadingStrategy } from './config/strategies.js';
import { createRecorder } from './metrics/recorder.js';

export type { PackageConfiguration } from './config/store-schema.js';
export { ConfigurationType, LoadingStrategy } from './config/strategies.js';
export { ErrorCode, LoadstratError } from './errors.js';

function storePath(): string {
  return getRuntime()?.settings.storePath ?? readSettings().settings.storePath;
}

/**
 * The strategy `name` gets in this process (SPEC §2). Under the preloader, the decision it acted on;
 * otherwise computed from the environment and the store.
 */
export function getEffectiveStrategy(name: string): LoadingStrategy {
  const runtime = getRuntime();
  if (runtime !== undefined) return runtime.decide(name).strategy;
  const { settings } = readSettings();
  const view = readBootView(settings.storePath);
  return decideStrategy(name, {
    overrides: settings.overrides,
    envDefault: settings.defaultStrategy,
    configs: new Map((view?.configurations ?? []).map((c) => [c.package_name, c])),
    globalDefault: view?.global_default_strategy,
    recentLoadTime: view?.recent_load_time ?? {},
    arms: new Map(),
  }).strategy;
}

/** Store a package's strategy (type `package_specific` unless given); processes started later use it. */
export async function setPackageStrategy(
  name: string,
  strategy: LoadingStrategy,
  options: Omit<StrategyInput, 'strategy'> = {},
): Promise<PackageConfiguration> {
  return updateStore(storePath(), (data) => setPackageConfiguration(data, name, { ...options, strategy }));
}

/** Remove a package's stored configuration; it then gets the global default. */
export async function removePackageStrategy(name: string): Promise<void> {
  await updateStore(storePath(), (data) => removePackageConfiguration(data, name));
}

/**
 * Record one load measured by the app itself (seconds, bytes, scores 0–1). Under the preloader it is
 * written with this process's measurements; otherwise to the store's spool at once.
 */
export function recordStrategyPerformance(input: PerformanceInput): void {
  const record = validatePerformanceInput(input);
  const runtime = getRuntime();
  if (runtime !== undefined) {
    runtime.recorder.recordManual(record);
    return;
  }
  const recorder = createRecorder();
  recorder.recordManual(record);
  writeSpoolSync(storePath(), { ...recorder.take(), first: false, startup_s: null });
}

/**
 * The explicit request for a package (the `on_demand` way): evaluate it now and return its exports,
 * resolved from `from` (a file path or URL; default: the app's entry module).
 */
export function load<T = unknown>(
  name: string,
  from: string | URL = resolve(process.argv[1] ?? 'index.js'),
): T {
  const fromFile = from instanceof URL || from.startsWith('file:') ? fileURLToPath(from) : from;
  getRuntime()?.loadNow(name, fromFile);
  return createRequire(fromFile)(name) as T;
}
