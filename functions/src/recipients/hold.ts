// Quiet hours' holds: the devices a shard held become release shards, shard records with a due
// time (as localTime groups are), enqueued on the send queue; so settle, the sweeper, cancellation
// and "terminal only once nothing is held" apply to them unchanged.
import { Timestamp } from "firebase-admin/firestore";
import { deviceKey, type ShardDocument } from "../notifications/documents.js";
import { type FanoutDeps, scheduleFor, taskId } from "../notifications/pipeline.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Room in a release shard's index for each run of a shard and each group of one run. */
const SPREAD = 1000;

/**
 * Release shard records for held devices, one per distinct end of quiet hours. Indexes are negative
 * and unique per origin shard, run and group: `-((origin × 1000 + run) × 1000 + group + 1)`.
 */
export function releaseShards(
  origin: { index: number; run: number },
  held: Array<{ target: { userId: string; deviceId: string }; heldUntil: number }>,
  now: number,
  retentionDays: number,
): ShardDocument[] {
  const groups = new Map<number, string[]>();
  for (const { target, heldUntil } of held) groups.set(heldUntil, [...(groups.get(heldUntil) ?? []), deviceKey(target.userId, target.deviceId)]);
  const created = Timestamp.fromMillis(now);
  return [...groups.entries()]
    .sort(([a], [b]) => a - b)
    .map(([dueAt, devices], group) => ({
      index: -((origin.index * SPREAD + (origin.run % SPREAD)) * SPREAD + group + 1),
      devices,
      size: 0,
      dueAt: Timestamp.fromMillis(dueAt),
      status: "planned",
      attempts: 0,
      rounds: 0,
      release: true,
      createdAt: created,
      updatedAt: created,
      expireAt: Timestamp.fromMillis(Math.max(now, dueAt) + retentionDays * DAY_MS),
    }));
}

/** Hands release shards to the send queue, each scheduled for its due time (the sweeper re-enqueues a lost one). */
export async function enqueueReleases(deps: FanoutDeps, target: { notificationId: string; generation: number }, shards: ShardDocument[]): Promise<void> {
  const now = deps.now();
  for (const shard of shards) {
    const { notBefore, scheduleTime } = scheduleFor(now, shard.dueAt!.toMillis());
    await deps.tasks.send(
      { notificationId: target.notificationId, generation: target.generation, shard: shard.index, notBefore },
      { id: taskId(target.notificationId, target.generation, `shard-${shard.index}`), scheduleTime },
    );
  }
}
