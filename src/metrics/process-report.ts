import type { Shape } from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';

/** One load of a package: [microseconds, 1 = success | 0 = failure, memory delta in bytes, or -1 when not measured]. */
export type LoadSample = [number, 0 | 1, number];

/**
 * What one report says of one package. A long-running process sends several reports; the process-level
 * facts (imported, used) are sent once, in the first report after they became true.
 */
export type PackageReport = {
  strategy: LoadingStrategy;
  loads: LoadSample[];
  /** Count this process as one that imported the package. */
  imported: boolean;
  /** Use is observable (a stand-in was handed out); count this process among the observed ones. */
  observed: boolean;
  /** Count this process as one that used the package; `first_use_s` is then set. */
  used: boolean;
  first_use_s: number | null;
  /** First use came in the same synchronous job as the import: deferring gained nothing. */
  import_site_use: boolean;
  /** Why a deferred strategy loaded natively, when it did. */
  native_reason: string | null;
};

/** What one process measured since its previous report; written to the spool. */
export type ProcessReport = {
  id: string;
  pid: number;
  started_at: string;
  ended_at: string;
  /** True in the process's first report: it counts as one process. */
  first: boolean;
  /** Seconds from process start to the entry module evaluated; null when not (yet) known. */
  startup_s: number | null;
  /** Arm per active A/B test this process was enrolled in. */
  ab: Record<string, 'a' | 'b'>;
  packages: Record<string, PackageReport>;
  /** Shapes learned this run: package → subpath → shape. */
  shapes: Record<string, Record<string, Shape>>;
  events: { code: string; message: string; package_name: string | null }[];
  /** Explicit records (recordStrategyPerformance) with the seed's optional scores. */
  records: ManualRecord[];
};

export type ManualRecord = {
  package_name: string;
  strategy: LoadingStrategy;
  load_time: number;
  memory_usage: number;
  success: boolean;
  user_satisfaction: number | null;
  system_impact: number | null;
  at: string;
};
