/**
 * A counter that moves at the end of each synchronous job. A stand-in first used in the job that imported
 * it was used "at the import site": deferring it gained nothing.
 */
export function createJobClock(): () => number {
  let job = 0;
  let scheduled = false;
  return () => {
    if (!scheduled) {
      scheduled = true;
      queueMicrotask(() => {
        job += 1;
        scheduled = false;
      });
    }
    return job;
  };
}
