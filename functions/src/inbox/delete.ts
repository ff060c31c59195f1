// Inbox entries leave with their notification (after its shards, so no running shard can add one
// back) and with their user.
import type { BulkWriter, Firestore } from "firebase-admin/firestore";
import { inboxOf, inboxQueries } from "./documents.js";

const PAGE = 500;

/** Deletes every user's entry of a notification, a page at a time; returns how many. */
export async function deleteEntriesOf(db: Firestore, notificationId: string, writer: BulkWriter): Promise<number> {
  const query = inboxQueries(db, "-", notificationId).ofNotification.limit(PAGE);
  let deleted = 0;
  for (;;) {
    const page = await query.get();
    for (const doc of page.docs) void writer.delete(doc.ref);
    await writer.flush();
    deleted += page.size;
    if (page.size < PAGE) break;
  }
  await writer.close();
  return deleted;
}

/** Deletes a user's whole inbox. */
export async function deleteUserInbox(db: Firestore, uid: string): Promise<void> {
  await db.recursiveDelete(inboxOf(db, uid));
}
