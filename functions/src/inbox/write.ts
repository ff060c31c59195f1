// The write step: a notification's entries, create-only inside the sharded pipeline, each
// transaction reading its guard first (the shard, or the planner's lease) (docs/PIPELINE.md).
import type { DocumentReference, DocumentSnapshot, Firestore } from "firebase-admin/firestore";
import { chunk } from "../messaging/transport.js";
import type { FanoutDeps, FanoutSettings } from "../notifications/pipeline.js";
import { audienceOf, type NotificationInput, recipientsOf } from "../notifications/schema.js";
import { inboxEntryRef, newEntry } from "./documents.js";

/** Entries read and created per transaction (plus the guard's read). */
const ENTRY_CHUNK = 250;

/** What must still stand for entries to be written: the shard or the planner's lease. */
export interface EntryGuard {
  ref: DocumentReference;
  holds(snapshot: DocumentSnapshot): boolean;
}

/**
 * Creates the entries of `userIds` that do not exist yet; false when the guard no longer holds
 * (nothing more is written then). An existing entry is never written again, so a redelivered or
 * resumed task neither adds a second entry nor resets one already read. Cost: one read per user,
 * one write per new entry.
 */
export async function writeEntries(
  db: Firestore,
  guard: EntryGuard,
  notificationId: string,
  n: NotificationInput,
  userIds: string[],
  entry: { nowMs: number; retentionDays: number },
): Promise<boolean> {
  const doc = newEntry(notificationId, n, entry.nowMs, entry.retentionDays);
  for (const part of chunk([...new Set(userIds)], ENTRY_CHUNK)) {
    const written = await db.runTransaction(async (tx) => {
      const refs = part.map((uid) => inboxEntryRef(db, uid, notificationId));
      const [guardSnap, ...entries] = await tx.getAll(guard.ref, ...refs);
      if (!guard.holds(guardSnap!)) return false;
      entries.forEach((snap, i) => {
        if (!snap.exists) tx.create(refs[i]!, doc);
      });
      return true;
    });
    if (!written) return false;
  }
  return true;
}

const wantsInbox = (n: NotificationInput) => n.inbox === true;

/**
 * The planner's part, for `userId`/`userIds`: every listed user, devices or not, written before the
 * first shard is planned (so before any push). False when the planner lost its lease or the
 * notification is gone.
 */
export async function writeListedEntries(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, n: NotificationInput, guard: EntryGuard) {
  if (!wantsInbox(n) || audienceOf(n).kind !== "users") return true;
  return writeEntries(deps.db, guard, notificationId, n, recipientsOf(n), { nowMs: deps.now(), retentionDays: settings.inboxRetentionDays });
}

/**
 * A shard's part, for `topic`/`broadcast`: the users of its devices in the audience, written before
 * the shard sends. False when the shard is gone (its notification was deleted).
 */
export async function writeShardEntries(
  deps: FanoutDeps,
  settings: FanoutSettings,
  notificationId: string,
  n: NotificationInput,
  shard: DocumentReference,
  targets: Array<{ userId: string }>,
) {
  if (!wantsInbox(n) || audienceOf(n).kind === "users") return true;
  const guard = { ref: shard, holds: (snap: DocumentSnapshot) => snap.exists };
  const users = targets.map((t) => t.userId);
  return writeEntries(deps.db, guard, notificationId, n, users, { nowMs: deps.now(), retentionDays: settings.inboxRetentionDays });
}
