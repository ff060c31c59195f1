// The devices a notification's audience reaches, as the ordered list of queries ("segments") the
// planner streams one after another. Each is an indexed collection-group query in document order,
// so a planner that stopped after a device continues right after it.
import { FieldPath, type Firestore, type Query } from "firebase-admin/firestore";
import { allDevices, type DeviceDocument, type DeviceType } from "../devices/documents.js";
import { chunk } from "../messaging/transport.js";
import type { Audience } from "./schema.js";

/** Firestore's limit on the values of one `in` filter: listed users are looked up 30 at a time. */
export const IN_FILTER_LIMIT = 30;

/**
 * One query per 30 listed users, per topic, or for everyone; times one per platform when
 * `platforms` is set (equality filters, served by the composite indexes in firestore.indexes.json).
 * Every query asks for active devices only.
 */
export function audienceSegments(db: Firestore, audience: Audience, platforms?: readonly DeviceType[]): Query<DeviceDocument>[] {
  const devices = allDevices(db);
  const audiences: Query<DeviceDocument>[] =
    audience.kind === "users"
      ? chunk(audience.userIds, IN_FILTER_LIMIT).map((users) => devices.where("userId", "in", users))
      : audience.kind === "topic"
        ? [devices.where("topics", "array-contains", audience.topic)]
        : [devices];
  const bases = audiences.map((query) => query.where("active", "==", true));
  const segments = platforms ? bases.flatMap((base) => platforms.map((p) => base.where("type", "==", p))) : bases;
  return segments.map((segment) => segment.orderBy(FieldPath.documentId()));
}
