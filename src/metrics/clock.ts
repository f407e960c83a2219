// The preloader's clocks. Not `performance`: touching it loads perf_hooks, ~2 ms of every boot on Node 20.

/** Microseconds on a monotonic clock, for durations. */
export function nowMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

/** Milliseconds since this process started; the same clock in the main thread and in workers. */
export function sinceStartMs(): number {
  return process.uptime() * 1000;
}
