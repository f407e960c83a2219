import type { ProcessReport } from './process-report.js';
import type { Recorder } from './recorder.js';

export const FLUSH_INTERVAL_MS = 60_000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * A worker's report carries its loads and learned shapes but no process-level counts: its process is
 * counted once, by the main thread.
 *
 * Writes the recorder's measurements to the spool when the process ends, however it ends, and every
 * minute while it runs. Signal handlers re-raise the signal when the app has none of its own, so the
 * app's reaction to signals is unchanged.
 */
export function installFlush(
  recorder: Recorder,
  inWorker: boolean,
  write: (report: ProcessReport, atExit: boolean) => void,
  onError: (error: unknown) => void,
): () => void {
  const flushNow = (atExit: boolean) => {
    if (!recorder.isDirty()) return;
    try {
      write(inWorker ? recorder.takeForWorker() : recorder.take(), atExit);
    } catch (error) {
      onError(error);
    }
  };
  const flush = () => flushNow(true);

  const timer = setInterval(() => flushNow(false), FLUSH_INTERVAL_MS);
  timer.unref();
  process.on('exit', flush);
  // Signals reach the main thread only: https://nodejs.org/api/worker_threads.html#class-worker
  if (inWorker) return flush;

  const onSignal = (signal: NodeJS.Signals) => {
    flush();
    if (process.listenerCount(signal) === 1) {
      // Only ours: do what Node does without a listener, die by the signal.
      process.removeListener(signal, onSignal);
      process.kill(process.pid, signal);
    }
  };
  for (const signal of SIGNALS) process.on(signal, onSignal);
  return flush;
}
