// The preferences store: reads and writes `notificationPreferences/{uid}` and, in the same
// transaction, the compact copy on each of the user's devices that the fan-out reads for free.
import { type DocumentSnapshot, FieldValue, type Firestore, Timestamp } from "firebase-admin/firestore";
import { deviceRef, userOf } from "../devices/documents.js";
import { getAllOf, readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { parseOrThrow, ValidationError } from "../shared/validation.js";
import {
  counterRef,
  type DevicePreferences,
  MAX_CATEGORIES,
  type Preferences,
  type PreferencesDocument,
  preferencesRef,
  type SetPreferencesInput,
  setPreferencesRequestSchema,
} from "./schema.js";

const DEFAULTS: Preferences = { categories: {}, quietHours: null, mutedUntil: null, updatedAt: null };

const iso = (t: Timestamp | null | undefined) => (t ? t.toDate().toISOString() : null);

function toResponse(doc: PreferencesDocument | undefined): Preferences {
  if (!doc) return { ...DEFAULTS, categories: {} };
  return { categories: doc.categories, quietHours: doc.quietHours, mutedUntil: iso(doc.mutedUntil), updatedAt: iso(doc.updatedAt) };
}

/** The compact copy a device carries; undefined when the user has no preferences (everything on). */
export function deviceCopyOf(doc: PreferencesDocument | undefined): DevicePreferences | undefined {
  if (!doc) return undefined;
  const optedOut = Object.keys(doc.categories)
    .filter((c) => doc.categories[c] === false)
    .sort();
  return { optedOut, quietHours: doc.quietHours, mutedUntil: doc.mutedUntil };
}

/** The user's preferences (defaults when none are stored). */
export async function getPreferences(db: Firestore, uid: string): Promise<Preferences> {
  return toResponse(readOrProblem(await preferencesRef(db, uid).get()).value);
}

/** The stored preferences with `input` applied: categories merge (null removes a key), the rest replaces. */
function merged(stored: PreferencesDocument | undefined, input: SetPreferencesInput, now: Timestamp): PreferencesDocument {
  const categories = { ...(stored?.categories ?? {}) };
  for (const [name, value] of Object.entries(input.categories ?? {})) {
    if (value === null) delete categories[name];
    else categories[name] = value;
  }
  const count = Object.keys(categories).length;
  if (count > MAX_CATEGORIES) {
    const message = `would hold ${count} categories; at most ${MAX_CATEGORIES} (remove some with null)`;
    throw new ValidationError(`Invalid preferences: categories: ${message}`, [{ path: "categories", message }]);
  }
  const mutedUntil = input.mutedUntil === undefined ? (stored?.mutedUntil ?? null) : input.mutedUntil === null ? null : Timestamp.fromMillis(input.mutedUntil);
  const quietHours = input.quietHours === undefined ? (stored?.quietHours ?? null) : input.quietHours;
  return { categories, quietHours, mutedUntil, updatedAt: now };
}

/**
 * Applies `input` and refreshes the copy on every device of the user, in one transaction that reads
 * the user's device index: a registration racing it (which reads the preferences in its own
 * transaction) either sees the new preferences or is seen here.
 */
export async function setPreferences(db: Firestore, uid: string, input: SetPreferencesInput, now = Date.now()): Promise<Preferences> {
  return db.runTransaction(async (tx) => {
    const [prefsSnap, userSnap] = await getAllOf(tx, [preferencesRef(db, uid), userOf(db, uid)]);
    const next = merged(readOrProblem(prefsSnap).value, input, Timestamp.fromMillis(now));
    const ids = Object.keys(readOrProblem(userSnap).value?.deviceIds ?? {});
    const devices = await getAllOf(
      tx,
      ids.map((id) => deviceRef(db, uid, id)),
    );
    tx.set(preferencesRef(db, uid), next);
    const copy = deviceCopyOf(next)!;
    for (const snap of devices) if (snap.exists) tx.update(snap.ref, { preferences: copy });
    return toResponse(next);
  });
}

/** The request checked and applied (the api's PUT /v1/preferences and the callable share it). */
export async function applyPreferences(firestore: Firestore, uid: string, data: unknown, via: string): Promise<Preferences> {
  const input = parseOrThrow(setPreferencesRequestSchema, data, "preferences");
  const preferences = await setPreferences(firestore, uid, input);
  logEvent("preferences.updated", { uid, via, categories: Object.keys(preferences.categories).length, quietHours: preferences.quietHours !== null });
  return preferences;
}

/** For a registration's transaction: the copy its device must carry, from the preferences it read (a delete when none). */
export function deviceCopyField(prefs: DocumentSnapshot<PreferencesDocument>): DevicePreferences | FieldValue {
  return deviceCopyOf(readOrProblem(prefs).value) ?? FieldValue.delete();
}

/** With the user: their preferences and cap counter go (their devices, and the copies on them, go with the devices). */
export async function deleteRecipientData(db: Firestore, uid: string): Promise<void> {
  await Promise.all([preferencesRef(db, uid).delete(), counterRef(db, uid).delete()]);
}
