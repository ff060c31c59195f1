// Registration latency: registerDevice against the emulator-only benchBaseline callable (one
// Firestore set), both called over HTTP as a client does, at concurrency 1 and 20.
import { performance } from "node:perf_hooks";
import { FieldValue, type Firestore } from "firebase-admin/firestore";
import { registerDevice } from "../../src/devices/registry.js";
import { type SignedIn as BenchUser, callFunction, type Emulators, signUp } from "../shared/emulators.js";
import { countOperations, type OperationCounts } from "./counting.js";
import { progress } from "./report.js";
import { deleteDevicesOf, deleteDocuments, seedDevices } from "./seed.js";
import { type LatencySummary, median, summarizeLatencies } from "./stats.js";

export const CONCURRENCIES = [1, 20] as const;
const USERS_PER_LOAD = 20;

export interface LoadSummary extends LatencySummary {
  /** Calls that failed (e.g. the emulator's "Transaction lock timeout" under concurrency); not in the latencies. */
  errors: number;
  /** Calls never started because the load's time limit passed first. */
  notStarted: number;
}

export interface RegistrationRun {
  /** `${fn} c=${concurrency}` → summary. */
  loads: Record<string, LoadSummary>;
  /** registerDevice p50 / benchBaseline p50, per concurrency, within this run. */
  ratioP50: Record<string, number>;
}

export interface RegistrationResult {
  callsPerLoad: number;
  runs: RegistrationRun[];
  median: { loads: Record<string, LoadSummary>; ratioP50: Record<string, number> };
  /** First few distinct error messages, to say why calls failed. */
  errorSamples: string[];
}

/** A load: what is called, and for registerDevice whether each call creates a device or refreshes one (an app start). */
type Fn = "registerDevice" | "registerDevice-refresh" | "benchBaseline";
const key = (fn: Fn, concurrency: number) => `${fn} c=${concurrency}`;
const callableOf = (fn: Fn) => (fn === "registerDevice-refresh" ? "registerDevice" : fn);

const refreshToken = (tag: string, user: number) => `bench-${tag}-device-of-${user}`;

let userSeq = 0;
async function freshUsers(emulators: Emulators, tag: string, count: number): Promise<BenchUser[]> {
  return Promise.all(Array.from({ length: count }, () => signUp(emulators, `bench-${tag}-${++userSeq}@example.com`, "bench-password-1")));
}

const errorSamples = new Set<string>();

/**
 * `calls` calls of `fn` by `concurrency` workers, each a client of its own: worker w calls as the
 * users u with u mod concurrency = w in turn (at concurrency 20, one user each), so no two calls of
 * one user overlap. Call i registers token i, or for a refresh load the user's one token, which
 * exists before the load. No call starts after `limitMs`, so a pathological load (the emulator's
 * lock waits) cannot stall the run.
 */
async function load(emulators: Emulators, fn: Fn, users: BenchUser[], concurrency: number, calls: number, tag: string, limitMs: number): Promise<LoadSummary> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const deadline = performance.now() + limitMs;
  if (concurrency > users.length) throw new Error(`a load needs at least as many users (${users.length}) as workers (${concurrency})`);
  const worker = async (w: number) => {
    const mine = users.map((_, u) => u).filter((u) => u % concurrency === w);
    for (let n = 0; next < calls && performance.now() < deadline; n++) {
      const i = next++;
      const u = mine[n % mine.length]!;
      const user = users[u]!;
      const data = {
        token: fn === "registerDevice-refresh" ? refreshToken(tag, u) : `bench-${tag}-${i}`,
        type: "android",
        name: "Bench phone",
        appVersion: "1.0.0",
        locale: "en-US",
        timezone: "Europe/Berlin",
      };
      const t0 = performance.now();
      try {
        await callFunction(emulators, callableOf(fn), data, user.idToken);
        latencies.push(performance.now() - t0);
      } catch (error) {
        errors++;
        if (errorSamples.size < 5) errorSamples.add((error as Error).message);
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: concurrency }, (_, w) => worker(w)));
  return { ...summarizeLatencies(latencies, performance.now() - t0), errors, notStarted: calls - next };
}

async function cleanUp(db: Firestore, users: BenchUser[]) {
  await deleteDevicesOf(
    db,
    users.map((u) => u.uid),
  );
  const baseline = await db.collection("benchBaseline").select().get();
  await deleteDocuments(
    db,
    baseline.docs.map((d) => d.ref),
  );
}

export async function benchRegistration(
  db: Firestore,
  emulators: Emulators,
  options: { runs: number; calls: number; loadLimitMs: number },
): Promise<RegistrationResult> {
  // The Functions emulator starts a worker process per concurrent request: start 20 of each first.
  // registerDevice is warmed up with invalid requests: they start workers without touching Firestore.
  progress("registration: warming up the Functions emulator's workers (2 x 40 calls)");
  const warmUsers = await freshUsers(emulators, "warm", USERS_PER_LOAD);
  await load(emulators, "benchBaseline", warmUsers, 20, 40, "warm", options.loadLimitMs);
  await Promise.all(
    Array.from({ length: 40 }, (_, i) => callFunction(emulators, "registerDevice", {}, warmUsers[i % USERS_PER_LOAD]!.idToken).catch(() => undefined)),
  );
  await cleanUp(db, warmUsers);

  const runs: RegistrationRun[] = [];
  for (let run = 1; run <= options.runs; run++) {
    const loads: Record<string, LoadSummary> = {};
    // Alternate which function goes first, so drift during a run does not favour one of them.
    const order: Fn[] =
      run % 2 === 1 ? ["benchBaseline", "registerDevice", "registerDevice-refresh"] : ["registerDevice-refresh", "registerDevice", "benchBaseline"];
    for (const concurrency of CONCURRENCIES) {
      for (const fn of order) {
        const users = await freshUsers(emulators, `r${run}`, USERS_PER_LOAD);
        const tag = `r${run}-c${concurrency}-${fn}`;
        if (fn === "registerDevice-refresh")
          await seedDevices(
            db,
            users.map((u, i) => ({ uid: u.uid, token: refreshToken(tag, i) })),
          );
        const summary = await load(emulators, fn, users, concurrency, options.calls, tag, options.loadLimitMs);
        loads[key(fn, concurrency)] = summary;
        progress(
          `registration run ${run}/${options.runs}: ${key(fn, concurrency).padEnd(20)} p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms, ${summary.callsPerSecond.toFixed(1)} calls/s${summary.errors ? `, ${summary.errors} failed` : ""}${summary.notStarted ? `, ${summary.notStarted} not started (time limit)` : ""}`,
        );
        await cleanUp(db, users);
      }
    }
    const ratioP50: Record<string, number> = {};
    for (const c of CONCURRENCIES) {
      ratioP50[`c=${c}`] = loads[key("registerDevice", c)]!.p50 / loads[key("benchBaseline", c)]!.p50;
      ratioP50[`refresh c=${c}`] = loads[key("registerDevice-refresh", c)]!.p50 / loads[key("benchBaseline", c)]!.p50;
    }
    runs.push({ loads, ratioP50 });
  }

  const medianLoads: Record<string, LoadSummary> = {};
  for (const k of Object.keys(runs[0]!.loads)) {
    const all = runs.map((r) => r.loads[k]!);
    medianLoads[k] = {
      calls: median(all.map((s) => s.calls)),
      p50: median(all.map((s) => s.p50)),
      p95: median(all.map((s) => s.p95)),
      callsPerSecond: median(all.map((s) => s.callsPerSecond)),
      errors: all.reduce((sum, s) => sum + s.errors, 0),
      notStarted: all.reduce((sum, s) => sum + s.notStarted, 0),
    };
  }
  const medianRatio: Record<string, number> = {};
  for (const k of Object.keys(runs[0]!.ratioP50)) medianRatio[k] = median(runs.map((r) => r.ratioP50[k]!));
  return { callsPerLoad: options.calls, runs, median: { loads: medianLoads, ratioP50: medianRatio }, errorSamples: [...errorSamples] };
}

export interface InProcessRegistration {
  calls: number;
  /** registerDevice's domain function, called here (no Functions emulator), creating a device each call. */
  registerP50: number;
  /** One `set` of a document of the same shape: what benchBaseline does. */
  setP50: number;
  ratio: number;
  counts: OperationCounts;
  setCounts: OperationCounts;
}

/**
 * Why registration costs what it costs, without the Functions emulator in the way: registerDevice's
 * transaction against a single set, called one after another in this process, operations counted.
 */
export async function benchRegistrationInProcess(db: Firestore, calls: number): Promise<InProcessRegistration> {
  const tag = `inproc-${Date.now().toString(36)}`;
  const register: number[] = [];
  const set: number[] = [];
  let counts: OperationCounts | undefined;
  let setCounts: OperationCounts | undefined;
  const uids: string[] = [];
  for (let i = 0; i < calls; i++) {
    const uid = `bench-${tag}-u${i % 20}`;
    uids.push(uid);
    const input = { token: `bench-${tag}-${i}`, type: "android" as const, active: true, name: "Bench phone" };
    let t0 = performance.now();
    const counted = await countOperations(() => registerDevice(db, uid, input, { maxDevices: 20 }));
    register.push(performance.now() - t0);
    counts = counted.counts; // the last call's: a user who registered before, as most calls are
    t0 = performance.now();
    const single = await countOperations(() => db.collection("benchBaseline").doc().set({ userId: uid, data: input, at: FieldValue.serverTimestamp() }));
    set.push(performance.now() - t0);
    setCounts ??= single.counts;
  }
  await deleteDevicesOf(db, [...new Set(uids)]);
  const baseline = await db.collection("benchBaseline").select().get();
  await deleteDocuments(
    db,
    baseline.docs.map((d) => d.ref),
  );
  const registerP50 = median(register);
  const setP50 = median(set);
  progress(`registration in process: registerDevice p50 ${registerP50.toFixed(1)} ms, single set p50 ${setP50.toFixed(1)} ms`);
  return { calls, registerP50, setP50, ratio: registerP50 / setP50, counts: counts!, setCounts: setCounts! };
}
