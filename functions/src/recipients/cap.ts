// The daily cap: one small counter document per user (`recipientCounters/{uid}`), updated in a
// transaction per user and notification, so two notifications at once never both pass a cap of 1;
// a user's counter is written once per non-critical notification they receive, never per device.
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { readOrProblem } from "../shared/documents.js";
import { counterRef } from "./schema.js";

const DAY_MS = 24 * 60 * 60 * 1000;
/** Users whose counters one shard checks at once. */
const CAP_CONCURRENCY = 20;

/**
 * Whether the user may receive `notificationId` under a cap of `cap` per 24 hours; records it when
 * so. Idempotent: a notification already recorded (another device of the user, a resumed shard,
 * a released hold) passes again without a write. Entries older than 24 hours are dropped.
 */
export async function admitUser(db: Firestore, uid: string, notificationId: string, cap: number, now: number): Promise<boolean> {
  const ref = counterRef(db, uid);
  return db.runTransaction(async (tx) => {
    const received = readOrProblem(await tx.get(ref)).value?.received ?? {};
    if (received[notificationId] !== undefined) return true;
    const recent = Object.entries(received).filter(([, at]) => at.toMillis() > now - DAY_MS);
    if (recent.length >= cap) return false;
    tx.set(ref, { received: { ...Object.fromEntries(recent), [notificationId]: Timestamp.fromMillis(now) }, expireAt: Timestamp.fromMillis(now + DAY_MS) });
    return true;
  });
}

/** The users (of `uids`) the cap admits for this notification; CAP_CONCURRENCY transactions at a time. */
export async function admitUsers(db: Firestore, uids: string[], notificationId: string, cap: number, now: number): Promise<Set<string>> {
  const admitted = new Set<string>();
  let next = 0;
  const worker = async () => {
    while (next < uids.length) {
      const uid = uids[next++]!;
      if (await admitUser(db, uid, notificationId, cap, now)) admitted.add(uid);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CAP_CONCURRENCY, uids.length) }, worker));
  return admitted;
}
