// Deletes logged-out devices past their retention and devices not seen for too long. Reads only
// candidates (indexed collection-group queries below a cutoff), so its cost follows what it deletes.
import { type Firestore, type Query, type QueryDocumentSnapshot, Timestamp } from "firebase-admin/firestore";
import { allDevices, type DeviceDocument, PURGE_SHARDS } from "../devices/documents.js";
import { deleteDeviceIf, ownerOf } from "../devices/registry.js";
import { logEvent } from "../shared/events.js";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PurgeOptions {
  inactiveRetentionDays: number;
  staleDeviceDays: number;
  /** The run stops cleanly (complete: false) once this much time has passed. */
  timeBudgetMs: number;
  /** Candidates read per query page. */
  pageSize?: number;
}

export interface PurgeDeps {
  db: Firestore;
  now?: () => number;
}

export interface PurgeSummary {
  /** Candidate devices read. */
  scanned: number;
  deleted: number;
  /** Deleted because logged out (active == false) past the retention. */
  inactive: number;
  /** Deleted because not seen for STALE_DEVICE_DAYS. */
  stale: number;
  /** Candidates left alone: changed since read (re-registered) or already deleted by another run. */
  skipped: number;
  durationMs: number;
  /** False when the time budget ran out; `remaining` then says what is left for the next run. */
  complete: boolean;
  remaining?: number;
}

/**
 * The queries the purge makes, one per purge shard and kind. A device is a candidate when its
 * timestamp is strictly before the cutoff: one updated exactly `days` ago is kept until the next run.
 * The indexes lead with `purgeShard` so that registrations, which all write "now" into these
 * timestamps, spread over 16 index ranges instead of one (see PURGE_SHARDS).
 */
export function purgeQueries(db: Firestore, now: number, options: Pick<PurgeOptions, "inactiveRetentionDays" | "staleDeviceDays">) {
  const inactiveCutoff = Timestamp.fromMillis(now - options.inactiveRetentionDays * DAY_MS);
  const staleCutoff = Timestamp.fromMillis(now - options.staleDeviceDays * DAY_MS);
  const shards = Array.from({ length: PURGE_SHARDS }, (_, shard) => shard);
  const devices = allDevices(db);
  return {
    inactive: shards.map((shard) =>
      devices.where("active", "==", false).where("purgeShard", "==", shard).where("updatedAt", "<", inactiveCutoff).orderBy("updatedAt"),
    ),
    stale: shards.map((shard) => devices.where("purgeShard", "==", shard).where("lastSeenAt", "<", staleCutoff).orderBy("lastSeenAt")),
  };
}

/** Deletions committed at once: each is its own small batch. */
const PARALLEL_DELETES = 20;

/**
 * Deletes one page of candidates, each only if unchanged since it was read (the `lastUpdateTime`
 * precondition), so a device re-registered mid-run survives and two runs at once do not collide.
 * Each device goes in its own batch with its owner record and index entry, all or nothing.
 */
async function deletePage(db: Firestore, docs: QueryDocumentSnapshot<DeviceDocument>[]): Promise<{ deleted: number; skipped: number }> {
  let deleted = 0;
  let skipped = 0;
  let next = 0;
  const worker = async () => {
    while (next < docs.length) {
      const doc = docs[next++]!;
      if (await deleteDeviceIf(db, ownerOf(doc)!, doc.id, { lastUpdateTime: doc.updateTime })) deleted++;
      else skipped++;
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_DELETES, docs.length) }, worker));
  return { deleted, skipped };
}

/** Purge shards whose queries run at once: a few keep the deletes flowing without crowding Firestore. */
const PARALLEL_SHARDS = 4;

type Kind = "inactive" | "stale";

/** Runs both purges, page by page, within the time budget. */
export async function purgeDevices(deps: PurgeDeps, options: PurgeOptions): Promise<PurgeSummary> {
  const now = deps.now ?? Date.now;
  const started = now();
  const queries = purgeQueries(deps.db, started, options);
  const summary: PurgeSummary = { scanned: 0, deleted: 0, inactive: 0, stale: 0, skipped: 0, durationMs: 0, complete: true };
  const overBudget = () => now() - started > options.timeBudgetMs;

  /** Pages through one query's candidates; false when the time budget ran out first. */
  const drain = async (query: Query<DeviceDocument>, kind: Kind): Promise<boolean> => {
    const pageSize = options.pageSize ?? 500;
    let cursor: QueryDocumentSnapshot<DeviceDocument> | undefined;
    for (;;) {
      if (overBudget()) return false;
      const snapshot = await (cursor ? query.startAfter(cursor) : query).limit(pageSize).get();
      if (snapshot.empty) return true;
      cursor = snapshot.docs[snapshot.docs.length - 1];
      // Only `users/{uid}/devices/{id}` documents are devices; a `devices` collection elsewhere is not ours.
      const candidates = snapshot.docs.filter((doc) => ownerOf(doc) !== undefined);
      summary.scanned += snapshot.size;
      const { deleted, skipped } = await deletePage(deps.db, candidates);
      summary.deleted += deleted;
      summary[kind] += deleted;
      summary.skipped += skipped;
      if (snapshot.size < pageSize) return true;
    }
  };

  for (const kind of ["inactive", "stale"] as const) {
    let next = 0;
    const worker = async () => {
      while (next < queries[kind].length && summary.complete) {
        if (!(await drain(queries[kind][next++]!, kind))) summary.complete = false;
      }
    };
    await Promise.all(Array.from({ length: PARALLEL_SHARDS }, worker));
    if (!summary.complete) break;
  }

  if (!summary.complete) {
    const counts = await Promise.all([...queries.inactive, ...queries.stale].map((q) => q.count().get()));
    summary.remaining = counts.reduce((sum, c) => sum + c.data().count, 0);
  }
  summary.durationMs = now() - started;
  if (summary.complete) logEvent("purge.completed", { ...summary });
  else logEvent("purge.incomplete", { ...summary, note: "time budget reached; the next run continues" });
  return summary;
}
