import { writeSpoolSync } from '../config/spool.js';
import type { Recorder } from './recorder.js';

export const FLUSH_INTERVAL_MS = 60_000;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Writes the recorder's measurements to the spool when the process ends, however it ends, and every
 * minute while it runs. Signal handlers re-raise the signal when the app has none of its own, so the
 * app's reaction to signals is unchanged.
 */
export function installFlush(storePath: string, recorder: Recorder, onError: (error: unknown) => void): () => void {
  const flush = () => {
    if (!recorder.isDirty()) return;
    try {
      writeSpoolSync(storePath, recorder.take());
    } catch (error) {
      onError(error);
    }
  };

  const timer = setInterval(flush, FLUSH_INTERVAL_MS);
  timer.unref();
  process.on('exit', flush);

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
