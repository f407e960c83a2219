import type { Shape } from '../config/store-schema.js';
import type { LoadingStrategy } from '../config/strategies.js';
import { sinceStartMs } from './clock.js';
import type { LoadSample, ManualRecord, PackageReport, ProcessReport } from './process-report.js';

export type Recorder = ReturnType<typeof createRecorder>;

/** Milliseconds since this process started (kept as `nowMs` for the hooks' use-time records). */
export const nowMs = sinceStartMs;

/** A load's memory that was not measured, in a LoadSample. */
export const NOT_MEASURED = -1;

type PackageState = {
  strategy: LoadingStrategy;
  loads: LoadSample[];
  importedMs: number;
  firstUseMs: number | null;
  importSiteUse: boolean;
  observed: boolean;
  nativeReason: string | null;
  sentImport: boolean;
  sentObserved: boolean;
  sentUse: boolean;
};

/**
 * Collects this process's measurements in memory, raw: a process loads few packages, so histograms are
 * built when the store merges, which keeps hdr-histogram-js (75 ms to load) out of the preloader.
 */
export function createRecorder() {
  const startedAt = new Date(Date.now() - sinceStartMs());
  const packages = new Map<string, PackageState>();
  let shapes: Record<string, Record<string, Shape>> = {};
  let events: ProcessReport['events'] = [];
  let records: ManualRecord[] = [];
  const ab: Record<string, 'a' | 'b'> = {};
  let startupMs: number | null = null;
  let sentProcess = false;
  let sentStartup = false;
  let dirty = false;

  function stateOf(name: string, strategy: LoadingStrategy): PackageState {
    let state = packages.get(name);
    if (state === undefined) {
      state = {
        strategy,
        loads: [],
        importedMs: nowMs(),
        firstUseMs: null,
        importSiteUse: false,
        observed: false,
        nativeReason: null,
        sentImport: false,
        sentObserved: false,
        sentUse: false,
      };
      packages.set(name, state);
      dirty = true;
    }
    return state;
  }

  return {
    noteImport(name: string, strategy: LoadingStrategy): void {
      stateOf(name, strategy);
    },
    /** `memory` null: not measured (a nested load, or a failure). */
    recordLoad(
      name: string,
      strategy: LoadingStrategy,
      micros: number,
      ok: boolean,
      memory: number | null,
    ): void {
      dirty = true;
      const bytes = memory === null ? NOT_MEASURED : Math.max(0, memory);
      stateOf(name, strategy).loads.push([Math.max(1, Math.round(micros)), ok ? 1 : 0, bytes]);
    },
    /** A stand-in was handed out: use of this package becomes observable. */
    observe(name: string, strategy: LoadingStrategy): void {
      stateOf(name, strategy).observed = true;
    },
    recordUse(name: string, strategy: LoadingStrategy, atImportSite: boolean): void {
      const state = stateOf(name, strategy);
      if (state.firstUseMs !== null) return;
      dirty = true;
      state.firstUseMs = nowMs();
      state.importSiteUse = atImportSite;
    },
    recordNativeReason(name: string, strategy: LoadingStrategy, reason: string): void {
      stateOf(name, strategy).nativeReason = reason;
    },
    recordShape(name: string, subpath: string, shape: Shape): void {
      dirty = true;
      shapes[name] ??= {};
      shapes[name][subpath] = shape;
    },
    recordEvent(code: string, message: string, packageName: string | null): void {
      dirty = true;
      if (events.length < 20) events.push({ code, message, package_name: packageName });
    },
    recordManual(record: ManualRecord): void {
      dirty = true;
      records.push(record);
    },
    setArm(testId: string, arm: 'a' | 'b'): void {
      ab[testId] = arm;
    },
    setStartup(ms: number): void {
      if (startupMs !== null) return;
      startupMs = ms;
      dirty = true;
    },
    getStartupMs(): number | null {
      return startupMs;
    },
    isDirty(): boolean {
      return dirty;
    },
    /** A worker thread's take: loads and shapes only, its process is counted by the main thread. */
    takeForWorker(): ProcessReport {
      const report = this.take();
      report.first = false;
      report.startup_s = null;
      for (const usage of Object.values(report.packages)) {
        usage.imported = false;
        usage.observed = false;
        usage.used = false;
        usage.first_use_s = null;
        usage.import_site_use = false;
      }
      return report;
    },
    /** What was measured since the last take; periodic flushes must not count anything twice. */
    take(): ProcessReport {
      const report: Record<string, PackageReport> = {};
      for (const [name, s] of packages) {
        const imported = !s.sentImport;
        const observed = s.observed && !s.sentObserved;
        const used = s.firstUseMs !== null && !s.sentUse;
        if (!imported && !observed && !used && s.loads.length === 0) continue;
        report[name] = {
          strategy: s.strategy,
          loads: s.loads,
          imported,
          observed,
          used,
          first_use_s: used && s.firstUseMs !== null ? s.firstUseMs / 1000 : null,
          import_site_use: used && s.importSiteUse,
          native_reason: imported ? s.nativeReason : null,
        };
        s.loads = [];
        s.sentImport = true;
        s.sentObserved ||= s.observed;
        s.sentUse ||= used;
      }
      const startup = startupMs !== null && !sentStartup ? startupMs / 1000 : null;
      sentStartup ||= startup !== null;
      const processReport: ProcessReport = {
        // Unique without node:crypto, which costs the preloader's start-up ~6 ms to load.
        id: `${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`,
        pid: process.pid,
        started_at: startedAt.toISOString(),
        ended_at: new Date().toISOString(),
        first: !sentProcess,
        startup_s: startup,
        ab: { ...ab },
        packages: report,
        shapes,
        events,
        records,
      };
      sentProcess = true;
      shapes = {};
      events = [];
      records = [];
      dirty = false;
      return processReport;
    },
  };
}
