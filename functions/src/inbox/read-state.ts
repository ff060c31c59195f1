// The read-state callable (`updateInbox`): entries seen, read, archived or unread, by id or all of
// them (paged); only entries that change are written, so a repeat reports `updated: 0`.
import { type DocumentSnapshot, FieldValue, type Firestore, type Query, type QueryDocumentSnapshot, type UpdateData } from "firebase-admin/firestore";
import type { CallableRequest } from "firebase-functions/v2/https";
import { checkAppCheck, parseData } from "../devices/callables.js";
import { getAllOf, NOT_FOUND, readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { db } from "../shared/firebase.js";
import { callerOf } from "../shared/id-token.js";
import { parseOrThrow } from "../shared/validation.js";
import { type InboxEntry, inboxEntryRef, inboxQueries } from "./documents.js";
import { type InboxChange, type UpdateInboxRequest, type UpdateInboxResponse, updateInboxRequestSchema } from "./schema.js";

const PAGE = 500;

/** Whether an entry needs `change`, and the update that makes it. */
function updateFor(change: InboxChange, entry: InboxEntry): UpdateData<InboxEntry> | undefined {
  const now = FieldValue.serverTimestamp();
  if (change === "seen") return entry.seenAt ? undefined : { seenAt: now };
  if (change === "archived") return entry.archivedAt ? undefined : { archivedAt: now };
  if (change === "unread") return entry.readAt ? { readAt: null } : undefined;
  if (entry.readAt) return undefined;
  return entry.seenAt ? { readAt: now } : { readAt: now, seenAt: now };
}

/** The query of the entries `change` would change (`all: true`). */
function needing(db: Firestore, uid: string, change: InboxChange): Query<InboxEntry> {
  const q = inboxQueries(db, uid, "");
  return { seen: q.unseen, read: q.notRead, archived: q.notArchived, unread: q.read }[change];
}

/** Applies the request to `uid`'s inbox; returns how many entries changed. */
export async function updateInbox(db: Firestore, uid: string, request: UpdateInboxRequest): Promise<number> {
  const writer = db.bulkWriter();
  // NOT_FOUND: the entry was deleted (TTL, its notification) between the read and the write.
  writer.onWriteError((error) => error.code !== NOT_FOUND && error.failedAttempts < 5);
  let updated = 0;
  const apply = async (docs: Array<DocumentSnapshot<InboxEntry>>) => {
    const writes = docs.flatMap((doc) => {
      // A malformed entry (written by hand) is left as it is rather than failing the whole call.
      const entry = readOrProblem(doc).value;
      const update = entry && updateFor(request.set, entry);
      return update
        ? [
            writer.update(doc.ref, update).then(
              () => 1,
              () => 0,
            ),
          ]
        : [];
    });
    await writer.flush();
    for (const n of await Promise.all(writes)) updated += n;
  };
  if (request.ids) {
    await apply(
      await getAllOf(
        db,
        [...new Set(request.ids)].map((id) => inboxEntryRef(db, uid, id)),
      ),
    );
  } else {
    await pages(needing(db, uid, request.set), apply);
  }
  await writer.close();
  return updated;
}

/** Every document of `query`, a page at a time, each page handled before the next is read. */
async function pages<T>(query: Query<T>, handle: (docs: QueryDocumentSnapshot<T>[]) => Promise<void>): Promise<void> {
  let page = await query.limit(PAGE).get();
  while (page.size > 0) {
    await handle(page.docs);
    if (page.size < PAGE) return;
    page = await query
      .startAfter(page.docs[page.size - 1]!)
      .limit(PAGE)
      .get();
  }
}

export async function updateInboxHandler(request: CallableRequest<unknown>): Promise<UpdateInboxResponse> {
  checkAppCheck(request);
  const uid = await callerOf(request);
  const input = parseData(() => parseOrThrow(updateInboxRequestSchema, request.data, "updateInbox request"));
  const updated = await updateInbox(db(), uid, input);
  logEvent("inbox.updated", { uid, set: input.set, all: input.all === true, updated, via: "callable" });
  return { updated };
}
