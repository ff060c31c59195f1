// Every query the backend makes is served by an index declared in firestore.indexes.json. The
// emulator does not enforce indexes, so this is where a missing one is caught before production.
import { readFileSync } from "node:fs";
import { Firestore, type Query } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { DEVICE_INDEX } from "../../src/devices/registry";
import { activeDevicesQuery } from "../../src/notifications/fanout";
import { purgeQueries } from "../../src/purge/purge";

interface IndexField {
  fieldPath: string;
  order?: string;
  arrayConfig?: string;
}
interface Indexes {
  indexes: Array<{ collectionGroup: string; queryScope: string; fields: IndexField[] }>;
  fieldOverrides: Array<{ collectionGroup: string; fieldPath: string; indexes: Array<{ order?: string; queryScope: string }> }>;
}

const declared: Indexes = JSON.parse(readFileSync(new URL("../../../firestore.indexes.json", import.meta.url), "utf8"));

interface Shape {
  collection: string;
  scope: "COLLECTION" | "COLLECTION_GROUP";
  equality: string[];
  range: string[];
  orderBy: string[];
}

/** The parts of a query that decide its index (read from the SDK's query options). */
function shapeOf(query: Query): Shape {
  const options = (query as unknown as { _queryOptions: any })._queryOptions;
  const filters: Array<{ field: { formattedName: string }; op: string }> = options.filters;
  const equality = filters.filter((f) => f.op === "EQUAL" || f.op === "IN").map((f) => f.field.formattedName);
  const range = filters.filter((f) => !["EQUAL", "IN"].includes(f.op)).map((f) => f.field.formattedName);
  return {
    collection: options.collectionId,
    scope: options.allDescendants ? "COLLECTION_GROUP" : "COLLECTION",
    equality,
    range,
    orderBy: options.fieldOrders.map((o: { field: { formattedName: string } }) => o.field.formattedName),
  };
}

/** Whether the declared indexes serve the shape, following Firestore's rules for single-field and composite indexes. */
function served(shape: Shape): boolean {
  const fields = [...new Set([...shape.equality, ...shape.range, ...shape.orderBy])];
  if (fields.length === 1) {
    // Collection scope single-field indexes exist by default; collection-group ones must be declared.
    if (shape.scope === "COLLECTION") return true;
    return declared.fieldOverrides.some(
      (o) => o.collectionGroup === shape.collection && o.fieldPath === fields[0] && o.indexes.some((i) => i.queryScope === "COLLECTION_GROUP" && i.order === "ASCENDING"),
    );
  }
  const ordered = [...new Set([...shape.range, ...shape.orderBy])];
  return declared.indexes.some((index) => {
    if (index.collectionGroup !== shape.collection || index.queryScope !== shape.scope) return false;
    const paths = index.fields.map((f) => f.fieldPath);
    if (paths.length !== fields.length) return false;
    const prefix = paths.slice(0, shape.equality.length);
    const rest = paths.slice(shape.equality.length);
    return shape.equality.every((f) => prefix.includes(f)) && rest.every((f, i) => f === ordered[i]);
  });
}

const db = new Firestore({ projectId: "demo-indexes" });
const purge = purgeQueries(db, Date.now(), { inactiveRetentionDays: 30, staleDeviceDays: 60 });
const queries: Record<string, Query> = {
  "fan-out: active devices of recipients": activeDevicesQuery(db, ["a", "b"]),
  "purge: inactive past retention": purge.inactive,
  "purge: stale devices": purge.stale,
};

describe("firestore.indexes.json", () => {
  it.each(Object.entries(queries))("serves %s", (_name, query) => {
    const shape = shapeOf(query);
    expect(shape.scope).toBe("COLLECTION_GROUP");
    expect(served(shape)).toBe(true);
  });

  it("exempts the per-user device index map: its keys are device ids, never queried", () => {
    const override = declared.fieldOverrides.find((o) => o.collectionGroup === "users" && o.fieldPath === DEVICE_INDEX);
    expect(override?.indexes).toEqual([]);
  });

  it("the checker itself rejects a query without an index", () => {
    expect(served(shapeOf(db.collectionGroup("devices").where("type", "==", "ios").where("locale", "<", "x").orderBy("locale")))).toBe(false);
    expect(served(shapeOf(db.collectionGroup("devices").where("appVersion", "==", "1")))).toBe(false);
  });
});
