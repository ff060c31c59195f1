// Typed Firestore documents: each stored shape is one zod schema, read and written through a
// converter made from it, so `snapshot.data()` is checked where it is read and no cast hides drift.
import {
  Timestamp,
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  type Firestore,
  type FirestoreDataConverter,
  type PartialWithFieldValue,
  type QueryDocumentSnapshot,
  type WithFieldValue,
} from "firebase-admin/firestore";
import { z } from "zod";
import { formatZodError, summarizeDetails, type ErrorDetail } from "./validation.js";

/** A Firestore timestamp as firebase-admin reads it. */
export const timestampSchema = z.instanceof(Timestamp, { error: "must be a timestamp" });

/** A stored document that does not have its collection's shape (written by hand, or by an old build). */
export class MalformedDocumentError extends Error {
  constructor(
    readonly path: string,
    readonly details: ErrorDetail[],
  ) {
    super(`${path} is malformed: ${summarizeDetails(details)}`);
    this.name = "MalformedDocumentError";
  }
}

/**
 * The converter of a stored shape. Writes pass through unchanged (TypeScript checks them against
 * the shape, FieldValues allowed); reads are parsed, and a document that breaks the shape throws
 * MalformedDocumentError from `snapshot.data()`.
 */
export function converterOf<T extends DocumentData>(schema: z.ZodType<T>): FirestoreDataConverter<T> {
  function toFirestore(value: WithFieldValue<T>): DocumentData;
  function toFirestore(value: PartialWithFieldValue<T>): DocumentData;
  function toFirestore(value: WithFieldValue<T> | PartialWithFieldValue<T>): DocumentData {
    return value;
  }
  return {
    toFirestore,
    fromFirestore(snapshot: QueryDocumentSnapshot): T {
      const parsed = schema.safeParse(snapshot.data());
      if (!parsed.success) throw new MalformedDocumentError(snapshot.ref.path, formatZodError(parsed.error));
      return parsed.data;
    },
  };
}

/** `snapshot.data()`, or undefined (with the problem) when the document is malformed. */
export function readOrProblem<T>(snapshot: { data(): T | undefined }): { value?: T; problem?: MalformedDocumentError } {
  try {
    return { value: snapshot.data() };
  } catch (error) {
    if (error instanceof MalformedDocumentError) return { problem: error };
    throw error;
  }
}

/** Whether a snapshot is the one of `ref`, and so was read through `ref`'s converter. */
function isSnapshotOf<T extends DocumentData>(snapshot: DocumentSnapshot<unknown>, ref: DocumentReference<T>): snapshot is DocumentSnapshot<T> {
  return snapshot.ref.path === ref.path;
}

/**
 * Reads documents in one round trip, typed. `Firestore.getAll` is not generic, though each
 * snapshot it returns was read through its reference's converter.
 */
export async function getAllOf<T extends DocumentData>(db: Firestore, refs: readonly DocumentReference<T>[]): Promise<DocumentSnapshot<T>[]> {
  if (refs.length === 0) return [];
  const snapshots = await db.getAll(...refs);
  return snapshots.map((snapshot, i) => {
    const ref = refs[i]!;
    if (!isSnapshotOf(snapshot, ref)) throw new Error(`getAll answered ${snapshot.ref.path} for ${ref.path}`);
    return snapshot;
  });
}
