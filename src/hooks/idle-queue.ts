/** Busier than this (share of the interval the event loop was working) and a background load waits. */
export const MAX_IDLE_UTILIZATION = 0.3;
export const IDLE_CHECK_MS = 50;

/**
 * Runs tasks one per macrotask while the app is idle, measured with event-loop utilisation between
 * checks. Timers are unref'd: the queue never keeps the process alive.
 * https://nodejs.org/api/perf_hooks.html#performanceeventlooputilizationutilization1-utilization2
 */
export function startIdleQueue(next: () => (() => void) | undefined, checkMs = IDLE_CHECK_MS): () => void {
  let last = performance.eventLoopUtilization();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(check, ms);
    timer.unref();
  };

  function check(): void {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization;
    if (busy > MAX_IDLE_UTILIZATION) {
      last = now;
      schedule(checkMs);
      return;
    }
    const task = next();
    if (task === undefined) return;
    task();
    // Our own load is not the app's activity: measure the next window from here.
    last = performance.eventLoopUtilization();
    schedule(Math.max(1, checkMs / 5));
  }

  schedule(checkMs);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
