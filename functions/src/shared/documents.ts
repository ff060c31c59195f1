// Typed Firestore documents: each stored shape is one zod schema, read and written through a
// converter made from it, so `snapshot.data()` is checked where it is read and no cast hides drift.
import {
  type DocumentData,
  type DocumentReference,
  type DocumentSnapshot,
  type FirestoreDataConverter,
  type PartialWithFieldValue,
  type QueryDocumentSnapshot,
  Timestamp,
  type WithFieldValue,
} from "firebase-admin/firestore";
import { z } from "zod";
import { type ErrorDetail, formatZodError, summarizeDetails } from "./validation.js";

/** gRPC status codes of Firestore errors, and the code of an error (undefined when it has none). */
export const NOT_FOUND = 5;
export const FAILED_PRECONDITION = 9;
export const ABORTED = 10;
export const codeOf = (error: unknown): unknown => (error as { code?: unknown } | null)?.code;

/** A conditional write refused: its document changed since it was read (or was deleted meanwhile). */
export const preconditionLost = (error: unknown): boolean => codeOf(error) === FAILED_PRECONDITION || codeOf(error) === NOT_FOUND;

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

/** A converter that also carries its shape, so the shape can be documented from the code. */
export type ShapeConverter<T extends DocumentData> = FirestoreDataConverter<T> & { readonly schema: z.ZodType<T> };

/**
 * The converter of a stored shape. Writes pass through unchanged (TypeScript checks them against
 * the shape, FieldValues allowed); reads are parsed, and a document that breaks the shape throws
 * MalformedDocumentError from `snapshot.data()`.
 */
export function converterOf<T extends DocumentData>(schema: z.ZodType<T>): ShapeConverter<T> {
  function toFirestore(value: WithFieldValue<T>): DocumentData;
  function toFirestore(value: PartialWithFieldValue<T>): DocumentData;
  function toFirestore(value: WithFieldValue<T> | PartialWithFieldValue<T>): DocumentData {
    return value;
  }
  return {
    schema,
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

/** What reads several documents in one round trip: the Firestore client, or a transaction. */
interface BatchReader {
  getAll(...refs: DocumentReference<any>[]): Promise<DocumentSnapshot<any>[]>;
}

/** The snapshot a reference reads (through its converter); undefined for no reference. */
type SnapshotOf<R> = R extends DocumentReference<infer T> ? DocumentSnapshot<T> : undefined;

/**
 * Reads documents in one round trip (`getAll`, also inside a transaction), typed: each snapshot has
 * the type of its reference's converter, and an undefined reference reads nothing and gives
 * undefined. `getAll` itself types every snapshot alike; the paths are checked instead.
 */
export async function getAllOf<const R extends readonly (DocumentReference<any> | undefined)[]>(
  reader: BatchReader,
  refs: R,
): Promise<{ -readonly [K in keyof R]: SnapshotOf<R[K]> }> {
  const present = refs.filter((ref): ref is DocumentReference<any> => ref !== undefined);
  const snapshots = present.length === 0 ? [] : await reader.getAll(...present);
  let next = 0;
  const typed = refs.map((ref) => {
    if (ref === undefined) return undefined;
    const snapshot = snapshots[next++]!;
    if (snapshot.ref.path !== ref.path) throw new Error(`getAll answered ${snapshot.ref.path} for ${ref.path}`);
    return snapshot;
  });
  return typed as { -readonly [K in keyof R]: SnapshotOf<R[K]> };
}
