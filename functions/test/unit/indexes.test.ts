// Every query the backend makes is served by an index declared in firestore.indexes.json, no index
// puts a timestamp that every write sets to "now" where writes would pile into one index range,
// and the ledger has its TTL policy. The emulator enforces none of this, so here is where a
// missing or hot index is caught before production.
import { readFileSync } from "node:fs";
import { Firestore, type Query } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { DEVICE_INDEX, PURGE_SHARDS } from "../../src/devices/documents";
import { inboxQueries } from "../../src/inbox/documents";
import { audienceSegments } from "../../src/notifications/audience";
import { fanoutQueries } from "../../src/notifications/documents";
import { purgeQueries } from "../../src/purge/purge";

interface IndexField {
  fieldPath: string;
  order?: "ASCENDING" | "DESCENDING";
  arrayConfig?: "CONTAINS";
}
interface Override {
  collectionGroup: string;
  fieldPath: string;
  ttl?: boolean;
  indexes: Array<{ order?: string; arrayConfig?: string; queryScope: string }>;
}
interface Indexes {
  indexes: Array<{ collectionGroup: string; queryScope: string; fields: IndexField[] }>;
  fieldOverrides: Override[];
}

const declared: Indexes = JSON.parse(readFileSync(new URL("../../../firestore.indexes.json", import.meta.url), "utf8"));

interface Shape {
  collection: string;
  scope: "COLLECTION" | "COLLECTION_GROUP";
  equality: string[];
  contains: string[];
  range: string[];
  /** Explicit orderBy fields with their direction; ordering by document id is implicit and left out. */
  orderBy: Array<{ field: string; direction: "ASCENDING" | "DESCENDING" }>;
}

/** The parts of a query that decide its index (read from the SDK's query options). */
function shapeOf(query: Query<unknown>): Shape {
  const options = (query as unknown as { _queryOptions: any })._queryOptions;
  const filters: Array<{ field: { formattedName: string }; op: string }> = options.filters;
  const names = (ops: (op: string) => boolean) => filters.filter((f) => ops(f.op)).map((f) => f.field.formattedName);
  return {
    collection: options.collectionId,
    scope: options.allDescendants ? "COLLECTION_GROUP" : "COLLECTION",
    equality: names((op) => op === "EQUAL" || op === "IN"),
    contains: names((op) => op === "ARRAY_CONTAINS"),
    range: names((op) => !["EQUAL", "IN", "ARRAY_CONTAINS"].includes(op)),
    orderBy: options.fieldOrders
      .map((o: { field: { formattedName: string }; direction: string }) => ({
        field: o.field.formattedName,
        direction: o.direction === "DESCENDING" ? "DESCENDING" : "ASCENDING",
      }))
      .filter((o: { field: string }) => o.field !== "__name__"),
  };
}

/** Whether the declared indexes serve the shape, following Firestore's rules for single-field and composite indexes. */
function served(shape: Shape): boolean {
  const ordered = [...new Map([...shape.range.map((f) => [f, "ASCENDING"] as const), ...shape.orderBy.map((o) => [o.field, o.direction] as const)]).entries()];
  const fields = new Set([...shape.equality, ...shape.contains, ...ordered.map(([f]) => f)]);
  if (fields.size === 1) {
    const [field] = fields;
    const wanted = shape.contains.length ? { arrayConfig: "CONTAINS" } : { order: ordered[0]?.[1] ?? "ASCENDING" };
    const override = declared.fieldOverrides.find((o) => o.collectionGroup === shape.collection && o.fieldPath === field);
    // Collection-scope single-field indexes exist by default unless overridden; collection-group ones must be declared.
    if (!override) return shape.scope === "COLLECTION";
    return override.indexes.some(
      (i) =>
        i.queryScope === shape.scope &&
        (i.order === wanted.order || (wanted.arrayConfig && i.arrayConfig === wanted.arrayConfig)) &&
        (i.order ?? i.arrayConfig),
    );
  }
  return declared.indexes.some((index) => {
    if (index.collectionGroup !== shape.collection || index.queryScope !== shape.scope || index.fields.length !== fields.size) return false;
    const prefixLength = shape.equality.length + shape.contains.length;
    const prefix = index.fields.slice(0, prefixLength);
    const rest = index.fields.slice(prefixLength);
    const prefixOk =
      shape.equality.every((f) => prefix.some((p) => p.fieldPath === f && p.order)) &&
      shape.contains.every((f) => prefix.some((p) => p.fieldPath === f && p.arrayConfig === "CONTAINS"));
    return prefixOk && rest.every((p, i) => p.fieldPath === ordered[i]?.[0] && p.order === ordered[i]?.[1]);
  });
}

const db = new Firestore({ projectId: "demo-indexes" });
const purge = purgeQueries(db, Date.now(), { inactiveRetentionDays: 30, staleDeviceDays: 60 });
const fanout = fanoutQueries(db, "n1");
const inbox = inboxQueries(db, "u1", "n1");
const only = (queries: Query<unknown>[]) => {
  expect(queries.length).toBeGreaterThan(0);
  return queries[0]!;
};
const queries: Record<string, Query<unknown>> = {
  "audience: listed users": only(audienceSegments(db, { kind: "users", userIds: ["a", "b"] })),
  "audience: listed users on some platforms": only(audienceSegments(db, { kind: "users", userIds: ["a"] }, ["ios", "web"])),
  "audience: a topic": only(audienceSegments(db, { kind: "topic", topic: "sports" })),
  "audience: a topic on one platform": only(audienceSegments(db, { kind: "topic", topic: "sports" }, ["android"])),
  "audience: everyone": only(audienceSegments(db, { kind: "broadcast" })),
  "audience: everyone on one platform": only(audienceSegments(db, { kind: "broadcast" }, ["ios"])),
  "purge: inactive past retention": purge.inactive[0]!,
  "purge: stale devices": purge.stale[0]!,
  "shards: the last one (planner checkpoint)": fanout.lastShard,
  "shards: sending": fanout.sending,
  "shards: settled": fanout.settled,
  "shards: done (outcome sums)": fanout.done,
  "shards: most send rounds (attempts)": fanout.slowest,
  "deliveries: failures": fanout.failures,
  "inbox: every user's entry of a notification (deleted with it)": inbox.ofNotification,
  "inbox: unread and unarchived (the badge)": inbox.unread,
  "inbox: unseen (updateInbox all)": inbox.unseen,
  "inbox: unread (updateInbox all)": inbox.notRead,
  "inbox: unarchived (updateInbox all)": inbox.notArchived,
  "inbox: read (updateInbox all, set unread)": inbox.read,
  "deliveries: per language (the console's counts)": db.collection("notifications").doc("n").collection("deliveries").where("locale", "==", "pt-BR"),
};

describe("firestore.indexes.json serves every query", () => {
  it.each(Object.entries(queries))("%s", (_name, query) => {
    expect(served(shapeOf(query))).toBe(true);
  });

  it("the purge runs one query per purge shard and kind, all of the same shape", () => {
    expect(purge.inactive).toHaveLength(PURGE_SHARDS);
    expect(purge.stale).toHaveLength(PURGE_SHARDS);
    for (const q of [...purge.inactive, ...purge.stale]) expect(served(shapeOf(q))).toBe(true);
  });

  it("one audience segment per 30 listed users and per platform", () => {
    const users = Array.from({ length: 61 }, (_, i) => `u${i}`);
    expect(audienceSegments(db, { kind: "users", userIds: users })).toHaveLength(3);
    expect(audienceSegments(db, { kind: "users", userIds: users }, ["ios", "android"])).toHaveLength(6);
  });

  it("the checker itself rejects queries without an index", () => {
    expect(served(shapeOf(db.collectionGroup("devices").where("type", "==", "ios").where("locale", "<", "x").orderBy("locale")))).toBe(false);
    expect(served(shapeOf(db.collectionGroup("devices").where("appVersion", "==", "1")))).toBe(false);
    expect(served(shapeOf(db.collectionGroup("devices").where("topics", "array-contains", "x").where("locale", "==", "fr")))).toBe(false);
    expect(served(shapeOf(db.collection("shards").where("status", "==", "done").orderBy("stats.rounds", "asc")))).toBe(false);
  });
});

const MONOTONIC = ["updatedAt", "lastSeenAt", "createdAt", "expireAt"];

describe("write-rate ceilings", () => {
  // Firestore sustains about 500 writes/s into one range of an index on a field whose new values
  // are always "now". Registrations write lastSeenAt/updatedAt and the fan-out writes a delivery's
  // updatedAt per device, at thousands a second: no index may put those timestamps first.
  it("no collection-group index on devices leads with a timestamp; each is behind the 16 purge shards", () => {
    for (const index of declared.indexes.filter((i) => i.collectionGroup === "devices")) {
      const at = index.fields.findIndex((f) => MONOTONIC.includes(f.fieldPath));
      if (at === -1) continue;
      expect(
        index.fields.slice(0, at).map((f) => f.fieldPath),
        JSON.stringify(index.fields),
      ).toContain("purgeShard");
    }
    const singleFieldGroupTimestamps = declared.fieldOverrides.filter(
      (o) => o.collectionGroup === "devices" && MONOTONIC.includes(o.fieldPath) && o.indexes.some((i) => i.queryScope === "COLLECTION_GROUP"),
    );
    expect(singleFieldGroupTimestamps).toEqual([]);
  });

  it.each([
    ["deliveries", "updatedAt"],
    ["deliveries", "expireAt"],
    ["shards", "updatedAt"],
    ["shards", "createdAt"],
    ["shards", "expireAt"],
  ])("%s.%s is exempt from indexing (a broadcast writes it thousands of times a second)", (group, field) => {
    expect(declared.fieldOverrides.find((o) => o.collectionGroup === group && o.fieldPath === field)?.indexes).toEqual([]);
  });

  it.each([
    ["devices", "token", "up to 4096 characters, never queried"],
    ["users", DEVICE_INDEX, "its keys are device ids, never queried"],
    ["shards", "devices", "500 device keys a shard would be 500 index entries"],
    ["shards", "checkpoint", "the planner reads it by key"],
    ["devices", "preferences", "the copy of the user's preferences, read with the device"],
    ["recipientCounters", "received", "its keys are notification ids, read by key"],
  ])("%s.%s is exempt from indexing: %s", (group, field) => {
    expect(declared.fieldOverrides.find((o) => o.collectionGroup === group && o.fieldPath === field)?.indexes).toEqual([]);
  });
});

describe("retention", () => {
  it.each(["deliveries", "shards", "inbox", "recipientCounters"])("a TTL policy deletes %s after expireAt", (group) => {
    expect(declared.fieldOverrides.find((o) => o.collectionGroup === group && o.fieldPath === "expireAt")?.ttl).toBe(true);
  });
});
