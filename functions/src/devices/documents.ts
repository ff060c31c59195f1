// The stored shapes of the devices domain: a device, its token's (or FID's) owner record, the user's
// device index. Defined once here; everything reads and writes them through these converters.
import type { Firestore, Timestamp } from "firebase-admin/firestore";
import { z } from "zod";
import { type DevicePreferences, devicePreferencesSchema } from "../recipients/schema.js";
import { converterOf, timestampSchema } from "../shared/documents.js";
import type { Address } from "./address.js";
import { DEVICE_TYPES, type DeviceType } from "./schema.js";

export { DEVICE_TYPES, type DeviceType };

/**
 * The purge's indexes carry `purgeShard` ahead of the timestamps every registration writes, which
 * spreads those writes over this many index ranges: Firestore sustains about 500 writes/s into one
 * range of monotonically increasing values, so 16 ranges take about 8,000 registrations/s.
 */
export const PURGE_SHARDS = 16;

/**
 * `users/{uid}/devices/{deviceId}`: CONTRACT.md §1, plus `deviceId` and `purgeShard`. Exactly one of
 * `token` and `fid` (the Address) is stored.
 */
export type DeviceDocument<T = Timestamp> = DeviceFields<T> & Address;

/** A device's fields other than its address. */
export interface DeviceFields<T = Timestamp> {
  /** = the document id, so support tools can find a token's documents by a short value (tokens may
   * be 4096 characters; Firestore cannot query strings over 1500 bytes). */
  deviceId: string;
  userId: string;
  type: DeviceType;
  name: string | null;
  active: boolean;
  createdAt: T;
  updatedAt: T;
  lastSeenAt: T;
  appVersion: string | null;
  locale: string | null;
  timezone: string | null;
  topics: string[];
  /** 0-15, from the first hex digit of deviceId; see PURGE_SHARDS. */
  purgeShard: number;
  /** Its user's preferences, copied by the backend (recipients/store.ts); absent: none. */
  preferences?: DevicePreferences<T>;
}

/** `tokenOwners/{deviceId}`: the one user holding a token or an FID, kept in step with the devices. */
export interface TokenOwnerDocument {
  userId: string;
}

/** `users/{uid}`: the device index, one `true` entry per device id (exempt from indexing). */
export interface UserDocument {
  deviceIds?: Record<string, true>;
}

export function purgeShardOf(deviceId: string): number {
  return parseInt(deviceId.charAt(0), 16) % PURGE_SHARDS || 0;
}

const nullableString = z.string().nullable().default(null);

const deviceSchema: z.ZodType<DeviceDocument> = z
  .object({
    token: z.string().min(1).optional(),
    fid: z.string().min(1).optional(),
    deviceId: z.string(),
    userId: z.string(),
    type: z.enum(DEVICE_TYPES),
    name: nullableString,
    active: z.boolean(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
    lastSeenAt: timestampSchema,
    appVersion: nullableString,
    locale: nullableString,
    timezone: nullableString,
    // Devices stored before topics existed have none.
    topics: z.array(z.string()).default([]),
    purgeShard: z.number().int().optional(),
    preferences: devicePreferencesSchema.optional(),
  })
  .transform(({ token, fid, ...d }, ctx) => {
    const address: Address | undefined = token !== undefined && fid === undefined ? { token } : fid !== undefined && token === undefined ? { fid } : undefined;
    if (!address) {
      ctx.addIssue({ code: "custom", path: ["token"], message: "a device holds exactly one of token and fid" });
      return z.NEVER;
    }
    return { ...d, ...address, purgeShard: d.purgeShard ?? purgeShardOf(d.deviceId) };
  });

const tokenOwnerSchema: z.ZodType<TokenOwnerDocument> = z.object({ userId: z.string() });

const userSchema: z.ZodType<UserDocument> = z.looseObject({ deviceIds: z.record(z.string(), z.literal(true)).optional() });

export const deviceConverter = converterOf(deviceSchema);
export const tokenOwnerConverter = converterOf(tokenOwnerSchema);
export const userConverter = converterOf(userSchema);

export const DEVICES = "devices";
export const TOKEN_OWNERS = "tokenOwners";
export const USERS = "users";
/** The field of `users/{uid}` holding the device index. */
export const DEVICE_INDEX = "deviceIds";

export const devicesOf = (db: Firestore, uid: string) => db.collection(USERS).doc(uid).collection(DEVICES).withConverter(deviceConverter);
export const deviceRef = (db: Firestore, uid: string, deviceId: string) => devicesOf(db, uid).doc(deviceId);
export const tokenOwnerOf = (db: Firestore, deviceId: string) => db.collection(TOKEN_OWNERS).doc(deviceId).withConverter(tokenOwnerConverter);
export const userOf = (db: Firestore, uid: string) => db.collection(USERS).doc(uid).withConverter(userConverter);
/** Every device of every user (collection group), typed. */
export const allDevices = (db: Firestore) => db.collectionGroup(DEVICES).withConverter(deviceConverter);
