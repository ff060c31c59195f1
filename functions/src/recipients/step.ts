// The enforcement step as the shard run calls it: screen the devices, record the skipped and held
// ones in the ledger with the release shards of the held (one fenced transaction, with the
// shard's other records), enqueue those, and hand back the devices to send now.
import { Timestamp } from "firebase-admin/firestore";
import type { Settled, Target } from "../notifications/batch.js";
import type { ShardDocument } from "../notifications/documents.js";
import type { FanoutDeps, FanoutSettings } from "../notifications/pipeline.js";
import type { NotificationInput } from "../notifications/schema.js";
import { logEvent } from "../shared/events.js";
import { screen } from "./enforce.js";
import { enqueueReleases, releaseShards } from "./hold.js";

export interface ShardScreening {
  notificationId: string;
  notification: NotificationInput;
  generation: number;
  /** The shard being sent: its index, this run's number (its claims), whether it is a release shard. */
  origin: { index: number; run: number; release: boolean };
  /** Records settled devices and creates shards under the shard's lease (throws when it was lost). */
  record: (settled: Settled[], creates: ShardDocument[]) => Promise<void>;
}

const identity = (t: Target) => ({ userId: t.userId, deviceId: t.deviceId, identifiedBy: t.address.fid !== undefined ? ("fid" as const) : ("token" as const) });

/** Returns the targets to send now; the others are recorded as skipped or held. */
export async function screenShard(deps: FanoutDeps, settings: FanoutSettings, s: ShardScreening, targets: Target[]): Promise<Target[]> {
  const now = deps.now();
  const screened = await screen(deps.db, targets, {
    notificationId: s.notificationId,
    notification: s.notification,
    now,
    defaultTimeZone: settings.defaultTimeZone,
    dailyCap: settings.dailyCap ?? 0,
    release: s.origin.release,
  });
  if (screened.skipped.length === 0 && screened.held.length === 0) return screened.send;
  const settled: Settled[] = [
    ...screened.skipped.map(({ target, reason }): Settled => ({ ...identity(target), status: "skipped", reason, attempts: 0 })),
    ...screened.held.map(
      ({ target, heldUntil }): Settled => ({ ...identity(target), status: "held", heldUntil: Timestamp.fromMillis(heldUntil), attempts: 0 }),
    ),
  ];
  const releases = releaseShards(s.origin, screened.held, now, settings.retentionDays);
  await s.record(settled, releases);
  await enqueueReleases(deps, s, releases);
  const reasons = (reason: string) => screened.skipped.filter((k) => k.reason === reason).length;
  logEvent("shard.screened", {
    notificationId: s.notificationId,
    shard: s.origin.index,
    optedOut: reasons("opted-out"),
    muted: reasons("muted"),
    capped: reasons("capped"),
    held: screened.held.length,
    releaseShards: releases.length,
  });
  return screened.send;
}
