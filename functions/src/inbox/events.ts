// Event reporting (`reportEvent`): receivedAt / openedAt on the caller's own delivery, once; every
// refusal is the same `{ recorded: false }`, writing nothing and revealing nothing.
import { FieldValue, type Firestore, type UpdateData } from "firebase-admin/firestore";
import type { CallableRequest } from "firebase-functions/v2/https";
import { checkAppCheck, parseData } from "../devices/callables.js";
import { deviceIdOf } from "../devices/registry.js";
import { type DeliveryDocument, deliveriesOf } from "../notifications/documents.js";
import { getAllOf, readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { db } from "../shared/firebase.js";
import { callerOf } from "../shared/id-token.js";
import { parseOrThrow } from "../shared/validation.js";
import { type InboxEntry, inboxEntryRef } from "./documents.js";
import { refreshEngagement, type ScheduleRefresh } from "./engagement.js";
import { type ReportEventRequest, type ReportEventResponse, reportEventRequestSchema } from "./schema.js";
import { scheduleRefresh } from "./tasks.js";

/** Records the event if it is the caller's and new; then refreshes the engagement counts if they are due. */
export async function reportEvent(db: Firestore, uid: string, request: ReportEventRequest, nowMs: number, later?: ScheduleRefresh): Promise<boolean> {
  const deviceId = deviceIdOf(request.fid !== undefined ? { fid: request.fid } : { token: request.token! });
  const deliveryRef = deliveriesOf(db, request.notificationId).doc(deviceId);
  const entryRef = inboxEntryRef(db, uid, request.notificationId);
  const opened = request.event === "opened";
  const recorded = await db.runTransaction(async (tx) => {
    const [deliverySnap, entrySnap] = await getAllOf(tx, [deliveryRef, opened ? entryRef : undefined]);
    const delivery = readOrProblem(deliverySnap).value;
    // Only a device that was sent it can have received it; and only its owner may say so.
    if (!delivery || delivery.userId !== uid || delivery.status !== "sent") return false;
    const update = eventUpdate(delivery, opened);
    if (!update) return false;
    tx.update(deliveryRef, update);
    const entry = entrySnap && readOrProblem(entrySnap).value;
    if (entry && entry.readAt === null) tx.update(entryRef, readUpdate(entry));
    return true;
  });
  if (recorded) await refreshEngagement(db, request.notificationId, nowMs, later);
  return recorded;
}

/** The delivery's new timestamps, or undefined when this event was already recorded. An open implies receipt. */
function eventUpdate(delivery: DeliveryDocument, opened: boolean): UpdateData<DeliveryDocument> | undefined {
  const now = FieldValue.serverTimestamp();
  if (!opened) return delivery.receivedAt ? undefined : { receivedAt: now };
  if (delivery.openedAt) return undefined;
  return delivery.receivedAt ? { openedAt: now } : { openedAt: now, receivedAt: now };
}

function readUpdate(entry: InboxEntry): UpdateData<InboxEntry> {
  const now = FieldValue.serverTimestamp();
  return entry.seenAt ? { readAt: now } : { readAt: now, seenAt: now };
}

export async function reportEventHandler(request: CallableRequest<unknown>): Promise<ReportEventResponse> {
  checkAppCheck(request);
  const uid = await callerOf(request);
  const input = parseData(() => parseOrThrow(reportEventRequestSchema, request.data, "reportEvent request"));
  const recorded = await reportEvent(db(), uid, input, Date.now(), scheduleRefresh);
  logEvent("inbox.event", { uid, notificationId: input.notificationId, event: input.event, recorded, via: "callable" });
  return { recorded };
}
