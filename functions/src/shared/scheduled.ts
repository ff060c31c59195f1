// Trailing tasks scheduled once per key and due time: what this instance already enqueued is
// remembered, so that later callers wanting the same task make no enqueue call at all (another
// instance's repeat is deduplicated by the task's id, which the due time makes unique).

const MAX_REMEMBERED = 1000;

/** A memo for one kind of task: `once(key, dueAt, enqueue)` calls `enqueue` unless this instance already did for that due time. */
export function scheduledOnce(): (key: string, dueAt: number, enqueue: () => Promise<void>) => Promise<void> {
  const scheduled = new Map<string, number>();
  return async (key, dueAt, enqueue) => {
    if (scheduled.get(key) === dueAt) return;
    await enqueue();
    if (scheduled.size >= MAX_REMEMBERED) scheduled.clear();
    scheduled.set(key, dueAt);
  };
}
