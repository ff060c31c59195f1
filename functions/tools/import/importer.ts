// The import itself: every row checked by registerDevice's own schema and written by the registry's
// own registerDevice (ownership, the cap, owner records, the user's index, the purge's fields), a
// chunk at a time. Idempotent: a row whose device is already stored as the row says is left alone,
// so a rerun after a crash writes only what the first run did not, and a second run writes nothing.
import type { Firestore } from "firebase-admin/firestore";
import { addressOf } from "../../src/devices/address.js";
import { type DeviceDocument, deviceRef } from "../../src/devices/documents.js";
import { deviceIdOf, registerDevice } from "../../src/devices/registry.js";
import { type RegisterDeviceInput, registerDeviceRequestSchema } from "../../src/devices/schema.js";
import { getAllOf, readOrProblem } from "../../src/shared/documents.js";
import { formatZodError, summarizeDetails } from "../../src/shared/validation.js";
import type { SourceRow } from "./rows.js";

/** Rows read, checked and written together: well inside a getAll's and the emulator's comfort. */
export const CHUNK_ROWS = 250;
/** Registrations in flight at once (rows of one user, or of one token, always go one after another). */
export const CONCURRENCY = 16;

export interface Skipped {
  row: string;
  uid: string;
  /** What the summary groups by, e.g. `token: must not be empty`. */
  kind: string;
  reason: string;
}

export interface Summary {
  imported: number;
  updated: number;
  unchanged: number;
  /** Devices the cap evicted, and tokens taken from a user outside this row. */
  evicted: number;
  transferred: number;
  skipped: Skipped[];
}

export interface ImportOptions {
  maxDevices: number;
  dryRun: boolean;
  onProgress?: (done: number, total: number) => void;
}

interface Valid {
  row: string;
  uid: string;
  input: RegisterDeviceInput;
  deviceId: string;
}

/** A uid that names a Firestore document (`users/{uid}`) and a Firebase Auth user. */
export function uidProblem(uid: unknown): string | undefined {
  if (uid === undefined || uid === null || uid === "") return "uid: no user";
  if (typeof uid !== "string") return "uid: must be a string";
  if (uid.length > 128) return "uid: must be at most 128 characters";
  if (uid.includes("/") || uid === "." || uid === ".." || /^__.*__$/.test(uid)) return "uid: cannot name a user document ('/', '.', '..' or '__name__')";
  if (!uid.isWellFormed() || /[\p{Cc}\s]/u.test(uid)) return "uid: must not contain whitespace or control characters";
  return undefined;
}

/** The device id the registry gives a request: of the token, or of `fid:` + the FID. */
const deviceIdOfInput = (input: RegisterDeviceInput): string => deviceIdOf(addressOf(input));

const short = (uid: unknown) => (typeof uid === "string" ? uid.slice(0, 128) : String(uid ?? ""));

/** The row as registerDevice would take it, or why it would refuse it. */
export function checkRow(source: SourceRow): Valid | Skipped {
  const problem = uidProblem(source.uid);
  if (problem) return { row: source.row, uid: short(source.uid), kind: problem, reason: problem };
  const parsed = registerDeviceRequestSchema.safeParse(source.request);
  if (!parsed.success) {
    const details = formatZodError(parsed.error);
    return {
      row: source.row,
      uid: source.uid as string,
      kind: summarizeDetails(details.slice(0, 1)).replace(/\[\d+\]/g, "[]"),
      reason: summarizeDetails(details),
    };
  }
  return { row: source.row, uid: source.uid as string, input: parsed.data, deviceId: deviceIdOfInput(parsed.data) };
}

const isValid = (r: Valid | Skipped): r is Valid => "input" in r;

/**
 * A token (or FID) listed more than once keeps one row: the one its source says is newest (else the
 * last); the others are skipped, naming the row that imports it. So the result does not depend on
 * the order the rows are written in, and a rerun does not move a token back and forth.
 */
export function withoutDuplicates(rows: Valid[], created: Map<string, number | undefined>): { kept: Valid[]; skipped: Skipped[] } {
  const holder = new Map<string, Valid>();
  const time = (r: Valid) => created.get(r.row) ?? Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const current = holder.get(r.deviceId);
    if (!current || time(r) >= time(current)) holder.set(r.deviceId, r);
  }
  const skipped = rows
    .filter((r) => holder.get(r.deviceId) !== r)
    .map((r) => {
      const kept = holder.get(r.deviceId)!;
      const same = kept.uid === r.uid ? "the same user" : `user ${kept.uid}`;
      return { row: r.row, uid: r.uid, kind: "duplicate token (a newer row imports it)", reason: `duplicate token: row ${kept.row} imports it for ${same}` };
    });
  return { kept: rows.filter((r) => holder.get(r.deviceId) === r), skipped };
}

/**
 * At most `maxDevices` rows per user: the newest (else the last). Importing more would only make the
 * registry evict some of them again, and every rerun would put them back and evict others.
 */
export function withinCap(rows: Valid[], created: Map<string, number | undefined>, maxDevices: number): { kept: Valid[]; skipped: Skipped[] } {
  const byUser = new Map<string, Valid[]>();
  for (const r of rows) byUser.set(r.uid, [...(byUser.get(r.uid) ?? []), r]);
  const over = new Set<Valid>();
  const time = (r: Valid) => created.get(r.row) ?? Number.NEGATIVE_INFINITY;
  for (const list of byUser.values()) {
    if (list.length <= maxDevices) continue;
    const newestFirst = list.map((r, i) => ({ r, i })).sort((a, b) => time(b.r) - time(a.r) || b.i - a.i);
    for (const { r } of newestFirst.slice(maxDevices)) over.add(r);
  }
  const reason = `over MAX_DEVICES_PER_USER (${maxDevices}) for this user: the newest ${maxDevices} rows are imported`;
  return { kept: rows.filter((r) => !over.has(r)), skipped: rows.filter((r) => over.has(r)).map((r) => ({ row: r.row, uid: r.uid, kind: reason, reason })) };
}

const FIELDS = ["name", "appVersion", "locale", "timezone"] as const;

/** True when the stored device already says everything the row says (nothing to write). */
export function alreadyStored(device: DeviceDocument | undefined, r: Valid): boolean {
  if (!device || device.userId !== r.uid || device.type !== r.input.type || device.active !== r.input.active) return false;
  if (FIELDS.some((f) => r.input[f] !== undefined && r.input[f] !== device[f])) return false;
  const topics = r.input.topics;
  return topics === undefined || (topics.length === device.topics.length && topics.every((t, i) => t === device.topics[i]));
}

/** Rows that share a user or a device go in one lane, run in order; lanes run side by side. */
export function lanesOf(rows: Valid[]): Valid[][] {
  const parent = rows.map((_, i) => i);
  const find = (i: number): number => {
    if (parent[i] !== i) parent[i] = find(parent[i]!);
    return parent[i]!;
  };
  const firstWithKey = new Map<string, number>();
  rows.forEach((r, i) => {
    for (const key of [`u:${r.uid}`, `d:${r.deviceId}`]) {
      const j = firstWithKey.get(key);
      if (j === undefined) firstWithKey.set(key, i);
      else parent[find(i)] = find(j);
    }
  });
  const lanes = new Map<number, Valid[]>();
  rows.forEach((r, i) => {
    lanes.set(find(i), [...(lanes.get(find(i)) ?? []), r]);
  });
  return [...lanes.values()];
}

async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Reads the chunk's stored devices in one round trip and writes those that differ. */
async function importChunk(db: Firestore, rows: Valid[], options: ImportOptions, summary: Summary): Promise<void> {
  if (rows.length === 0) return;
  const snapshots = await getAllOf(
    db,
    rows.map((r) => deviceRef(db, r.uid, r.deviceId)),
  );
  const pending = rows.flatMap((r, i) => (alreadyStored(readOrProblem(snapshots[i]!).value, r) ? [] : [{ r, exists: snapshots[i]!.exists }]));
  summary.unchanged += rows.length - pending.length;
  if (options.dryRun) {
    for (const { exists } of pending) summary[exists ? "updated" : "imported"]++;
    return;
  }
  await inParallel(lanesOf(pending.map((p) => p.r)), CONCURRENCY, async (lane) => {
    for (const r of lane) {
      const result = await registerDevice(db, r.uid, r.input, { maxDevices: options.maxDevices });
      summary[result.created ? "imported" : "updated"]++;
      summary.evicted += result.removed.length;
      summary.transferred += result.transferredFrom.length;
    }
  });
}

/** Imports every row; returns what happened to each (skipped rows with their reasons). */
export async function importRows(db: Firestore, source: SourceRow[], options: ImportOptions): Promise<Summary> {
  const summary: Summary = { imported: 0, updated: 0, unchanged: 0, evicted: 0, transferred: 0, skipped: [] };
  const checked = source.map(checkRow);
  summary.skipped.push(...checked.filter((r): r is Skipped => !isValid(r)));
  const created = new Map(source.map((s) => [s.row, s.createdMillis]));
  const unique = withoutDuplicates(checked.filter(isValid), created);
  const { kept, skipped } = withinCap(unique.kept, created, options.maxDevices);
  summary.skipped.push(...unique.skipped, ...skipped);
  const done = () => source.length - kept.length;
  options.onProgress?.(done(), source.length);
  for (let start = 0; start < kept.length; start += CHUNK_ROWS) {
    await importChunk(db, kept.slice(start, start + CHUNK_ROWS), options, summary);
    options.onProgress?.(done() + Math.min(start + CHUNK_ROWS, kept.length), source.length);
  }
  return summary;
}
