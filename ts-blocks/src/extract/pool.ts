/**
 * Runs `worker` over `items` with at most `concurrency` at once, in order of start; stops starting new ones once
 * `stopped()` says so. Never rejects: each worker handles its own errors.
 */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T) => Promise<void>,
  stopped: () => boolean,
): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length && !stopped()) {
      const item = items[next]!;
      next += 1;
      await worker(item);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(concurrency, items.length)) }, lane));
}
