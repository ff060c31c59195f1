// Engagement `{ received, opened, updatedAt }`: counted from the ledger at most once a minute, never one
// notification write per report (a broadcast's opens would make it a hot document).
import { type Firestore, type Precondition, Timestamp } from "firebase-admin/firestore";
import { deliveriesOf, notificationRef } from "../notifications/documents.js";
import { codeOf, FAILED_PRECONDITION, preconditionLost, readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";

export const ENGAGEMENT_INTERVAL_MS = 60_000;

/** The counts from the ledger: devices that reported the notification received, and opened. */
export async function countEngagement(db: Firestore, notificationId: string): Promise<{ received: number; opened: number }> {
  const ledger = deliveriesOf(db, notificationId);
  const [received, opened] = await Promise.all([ledger.where("receivedAt", "!=", null).count().get(), ledger.where("openedAt", "!=", null).count().get()]);
  return { received: received.data().count, opened: opened.data().count };
}

/** Schedules a refresh for `dueAtMs` (a task whose id the time makes unique, so repeats add nothing). */
export type ScheduleRefresh = (notificationId: string, dueAtMs: number) => Promise<void>;

/**
 * Refreshes the counts if they are at least ENGAGEMENT_INTERVAL_MS old (or absent); true when this
 * call did. The refresh claims its turn with a write conditioned on the document's update time, so
 * concurrent reports run one refresh, not many. Counts refreshed less than that ago: a refresh is scheduled (`later`) for when they may
 * be. Never throws: the event that asked was recorded either way.
 */
export async function refreshEngagement(db: Firestore, notificationId: string, nowMs: number, later?: ScheduleRefresh): Promise<boolean> {
  // When these counts were due: a report that loses the claim asks for a refresh then (one task id per round).
  let due: number | undefined;
  try {
    const ref = notificationRef(db, notificationId);
    const snap = await ref.get();
    const n = readOrProblem(snap).value;
    if (!n || !snap.updateTime) return false;
    const last = n.engagement?.updatedAt.toMillis() ?? 0;
    due = last + ENGAGEMENT_INTERVAL_MS;
    if (nowMs < due) {
      await later?.(notificationId, due);
      return false;
    }
    const updatedAt = Timestamp.fromMillis(nowMs);
    // The claim: only the report whose read is still current moves updatedAt on; the others lose the race.
    const claim: Precondition = { lastUpdateTime: snap.updateTime };
    await ref.update({ engagement: { received: n.engagement?.received ?? 0, opened: n.engagement?.opened ?? 0, updatedAt } }, claim);
    const counts = await countEngagement(db, notificationId);
    await ref.update({ engagement: { ...counts, updatedAt } });
    return true;
  } catch (error) {
    // Lost to another refresh, or to any other write of the notification (its progress, once a
    // second while sending): the refresh scheduled for the round's due time counts this report.
    // NOT_FOUND: the notification is gone.
    if (codeOf(error) === FAILED_PRECONDITION && due !== undefined) await laterOrLog(later, notificationId, due);
    if (preconditionLost(error)) return false;
    logEvent("inbox.engagementFailed", { notificationId, error: error instanceof Error ? error.message : String(error) });
    return false;
  }
}

async function laterOrLog(later: ScheduleRefresh | undefined, notificationId: string, due: number): Promise<void> {
  try {
    await later?.(notificationId, due);
  } catch (error) {
    logEvent("inbox.engagementFailed", { notificationId, error: error instanceof Error ? error.message : String(error) });
  }
}

/** A scheduled refresh: `dueAt` in ms. */
export interface EngagementTask {
  notificationId: string;
  dueAt: number;
}

/**
 * Runs a scheduled refresh at its time. The tasks emulator runs a scheduled task at once, and Cloud
 * Tasks may run one early, so the task itself waits until it is due (at most a minute).
 */
export async function runEngagementTask(
  db: Firestore,
  task: EngagementTask,
  clock: { now: () => number; sleep: (ms: number) => Promise<void> },
  later: ScheduleRefresh,
): Promise<boolean> {
  const wait = task.dueAt - clock.now();
  if (wait > 0) await clock.sleep(Math.min(wait, ENGAGEMENT_INTERVAL_MS));
  return refreshEngagement(db, task.notificationId, clock.now(), later);
}
