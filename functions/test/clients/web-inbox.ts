// inbox.ts: a web app's live inbox (Firestore listeners under pushfan's rules) and its open reports.

import type { InboxEntry, ReportEventRequest, ReportEventResponse, UpdateInboxRequest, UpdateInboxResponse } from "@pushfan/types";
import { getApp } from "firebase/app";
import { getAuth } from "firebase/auth";
import {
  collection,
  connectFirestoreEmulator,
  doc,
  getFirestore,
  limit,
  onSnapshot,
  orderBy,
  query,
  serverTimestamp,
  type Unsubscribe,
  updateDoc,
  where,
} from "firebase/firestore";
import { getFunctions, httpsCallable } from "firebase/functions";

const app = getApp(); // the app push.ts initialized
const db = getFirestore(app);
if (location.hostname === "localhost" || location.hostname === "127.0.0.1") connectFirestoreEmulator(db, "127.0.0.1", 8080);
const functions = getFunctions(app, "us-central1");
const updateInbox = httpsCallable<UpdateInboxRequest, UpdateInboxResponse>(functions, "updateInbox");
const reportEvent = httpsCallable<ReportEventRequest, ReportEventResponse>(functions, "reportEvent");

export type Entry = InboxEntry & { id: string };

/**
 * The signed-in user's latest entries (newest first, archived ones left out) and their unread
 * count, live: `render` runs at once and on every change, whichever device made it.
 */
export function watchInbox(render: (entries: Entry[], unread: number) => void, max = 50): Unsubscribe {
  const uid = getAuth(app).currentUser?.uid;
  if (!uid) throw new Error("Sign in first.");
  const inbox = collection(db, "users", uid, "inbox");
  const latest = query(inbox, where("archivedAt", "==", null), orderBy("createdAt", "desc"), limit(max));
  // The unread count is its own query: an unread entry may be older than the `max` shown.
  const unread = query(inbox, where("readAt", "==", null), where("archivedAt", "==", null));
  let entries: Entry[] = [];
  let unreadCount = 0;
  const stopList = onSnapshot(latest, (snap) => {
    entries = snap.docs.map((d) => ({ id: d.id, ...(d.data() as InboxEntry) }));
    render(entries, unreadCount);
  });
  const stopCount = onSnapshot(unread, (snap) => {
    unreadCount = snap.size;
    render(entries, unreadCount);
  });
  return () => {
    stopList();
    stopCount();
  };
}

/** Marks one entry read straight through Firestore (the rules allow the owner exactly this). */
export async function markRead(entry: Entry): Promise<void> {
  const uid = getAuth(app).currentUser?.uid;
  if (!uid || entry.readAt) return;
  await updateDoc(doc(db, "users", uid, "inbox", entry.id), { readAt: serverTimestamp(), ...(entry.seenAt ? {} : { seenAt: serverTimestamp() }) });
}

/** "Mark all as read" (or seen, archived, unread), however many entries there are. */
export async function markAll(set: UpdateInboxRequest["set"]): Promise<number> {
  return (await updateInbox({ all: true, set })).data.updated;
}

/** A message arrived while the page was open (push.ts's onMessage handler calls this). */
export async function reportReceived(notificationId: string, fid: string): Promise<boolean> {
  return (await reportEvent({ notificationId, event: "received", fid })).data.recorded;
}

/**
 * A notification was opened (a click on it, or on its entry): recorded once on this device's
 * delivery, and its inbox entry is marked read. `fid`: this browser's Installation ID (push.ts).
 */
export async function reportOpened(notificationId: string, fid: string): Promise<boolean> {
  return (await reportEvent({ notificationId, event: "opened", fid })).data.recorded;
}
