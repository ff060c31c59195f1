// Counts the Firestore operations (billed per document) that one call makes, by wrapping the
// Firestore client's read and write methods. Counting is on only inside `countOperations`, and the
// benchmark never runs other Firestore work at the same time, so every operation counted is the
// measured call's own (a process-wide switch, not AsyncLocalStorage, whose promise hooks on Node 22
// would slow down the timed parts too).
import { performance } from "node:perf_hooks";
import { type Readable, Transform } from "node:stream";
import { type DocumentReference, Firestore, Query, Transaction, WriteBatch } from "firebase-admin/firestore";

/** Where a write went, from the document path. */
export type WriteKind = "outbox" | "deliveries" | "devices" | "other";

export interface OperationCounts {
  /** Documents read, as Firestore bills them: each document a get or query returns, at least 1 per query. */
  reads: number;
  queries: number;
  documentGets: number;
  aggregations: number;
  /** Writes (set, update, create, delete) in batches, transactions, BulkWriter and single-document calls. */
  writes: number;
  writesByKind: Record<WriteKind, number>;
  /** Wall time with at least one Query.get in flight (the fan-out's device lookup, the purge's pages). */
  queryMs: number;
  /** Wall time with at least one WriteBatch.commit in flight (ledger and sandbox outbox batches). */
  commitMs: number;
}

export function emptyCounts(): OperationCounts {
  return {
    reads: 0,
    queries: 0,
    documentGets: 0,
    aggregations: 0,
    writes: 0,
    writesByKind: { outbox: 0, deliveries: 0, devices: 0, other: 0 },
    queryMs: 0,
    commitMs: 0,
  };
}

export function writeKindOf(path: string): WriteKind {
  const segments = path.split("/");
  if (segments[0] === "sandboxOutbox") return "outbox";
  if (segments.length >= 4 && segments[segments.length - 2] === "deliveries") return "deliveries";
  if (segments[0] === "users" && segments[2] === "devices") return "devices";
  return "other";
}

let active: OperationCounts | undefined;
let installed = false;

type AnyFn = (this: unknown, ...args: any[]) => any;

function wrap(proto: object, name: string, before: (self: any, args: any[]) => void, after?: (result: any, self: any, args: any[]) => void) {
  const original = (proto as Record<string, AnyFn>)[name];
  if (typeof original !== "function") throw new Error(`Firestore client has no ${name} to count: the SDK changed`);
  (proto as Record<string, AnyFn>)[name] = function (this: unknown, ...args: any[]) {
    const counts = active;
    if (counts) before(this, args);
    const result = original.apply(this, args);
    if (!counts || !after) return result;
    return Promise.resolve(result).then((value) => {
      if (active === counts) after(value, this, args);
      return value;
    });
  };
}

const queryReads = (snapshot: { size: number }) => Math.max(1, snapshot.size);

/** Adds to `counts[field]` the time during which at least one of the timed calls is in flight. */
function inFlightTimer(field: "queryMs" | "commitMs") {
  let inFlight = 0;
  let since = 0;
  return {
    start() {
      if (inFlight++ === 0) since = performance.now();
    },
    end(counts: OperationCounts) {
      if (--inFlight === 0 && active === counts) counts[field] += performance.now() - since;
    },
  };
}

function timed(proto: object, name: string, timer: ReturnType<typeof inFlightTimer>) {
  const original = (proto as Record<string, AnyFn>)[name];
  if (typeof original !== "function") throw new Error(`Firestore client has no ${name} to time: the SDK changed`);
  (proto as Record<string, AnyFn>)[name] = function (this: unknown, ...args: any[]) {
    const counts = active;
    if (!counts) return original.apply(this, args);
    timer.start();
    const settle = () => timer.end(counts);
    let result: unknown;
    try {
      result = original.apply(this, args);
    } catch (error) {
      settle();
      throw error;
    }
    Promise.resolve(result).then(settle, settle);
    return result;
  };
}

/**
 * Wraps the client's methods once per process. Writes are counted where every write path ends up
 * (WriteBatch: used by DocumentReference.set/update/delete, transactions and BulkWriter, including
 * BulkWriter's retries); reads where documents come back (Query.get, Firestore.getAll, which
 * DocumentReference.get uses, Transaction.get/getAll, count()).
 */
export function installCounting(db: Firestore): void {
  if (installed) return;
  installed = true;
  for (const method of ["create", "set", "update", "delete"]) {
    wrap(WriteBatch.prototype, method, (_self, args) => {
      const ref = args[0] as DocumentReference;
      active!.writes++;
      active!.writesByKind[writeKindOf(ref.path)]++;
    });
  }
  wrap(
    Query.prototype,
    "get",
    () => active!.queries++,
    (snapshot) => (active!.reads += queryReads(snapshot)),
  );
  countStreams();
  timed(Query.prototype, "get", inFlightTimer("queryMs"));
  timed(WriteBatch.prototype, "commit", inFlightTimer("commitMs"));
  wrap(
    Firestore.prototype,
    "getAll",
    () => undefined,
    (docs: unknown[]) => {
      active!.documentGets += docs.length;
      active!.reads += docs.length;
    },
  );
  const aggregateProto = Object.getPrototypeOf(db.collection("benchCounting").count());
  wrap(
    aggregateProto,
    "get",
    () => undefined,
    () => {
      active!.aggregations++;
      active!.reads++;
    },
  );
  wrap(
    Transaction.prototype,
    "get",
    () => undefined,
    (result) => {
      if (result && typeof result.size === "number" && Array.isArray(result.docs)) {
        active!.queries++;
        active!.reads += queryReads(result);
      } else if (result && typeof result.exists === "boolean") {
        active!.documentGets++;
        active!.reads++;
      } else {
        active!.aggregations++;
        active!.reads++;
      }
    },
  );
  wrap(
    Transaction.prototype,
    "getAll",
    () => undefined,
    (docs: unknown[]) => {
      active!.documentGets += docs.length;
      active!.reads += docs.length;
    },
  );
}

/**
 * Query.stream (the planner's one pass over an audience): each document streamed is a read, and an
 * empty result still costs one. Counted through a pass-through stream, which keeps backpressure.
 */
function countStreams(): void {
  const proto = Query.prototype as unknown as Record<string, AnyFn>;
  const original = proto.stream!;
  proto.stream = function (this: unknown, ...args: any[]) {
    const source: Readable = original.apply(this, args);
    const counts = active;
    if (!counts) return source;
    counts.queries++;
    let documents = 0;
    const counting = new Transform({
      objectMode: true,
      transform(doc, _encoding, done) {
        documents++;
        if (active === counts) counts.reads++;
        done(null, doc);
      },
      flush(done) {
        if (documents === 0 && active === counts) counts.reads++;
        done();
      },
    });
    source.on("error", (error) => counting.destroy(error));
    counting.on("close", () => source.destroy());
    return source.pipe(counting);
  };
}

/** Runs `fn` with counting on; returns its result and the operations it made. Not reentrant. */
export async function countOperations<T>(fn: () => Promise<T>): Promise<{ result: T; counts: OperationCounts }> {
  if (!installed) throw new Error("installCounting(db) first");
  if (active) throw new Error("countOperations calls cannot overlap");
  const counts = emptyCounts();
  active = counts;
  try {
    const result = await fn();
    return { result, counts };
  } finally {
    active = undefined;
  }
}
