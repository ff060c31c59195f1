// The sweeper (scheduled every 5 minutes): finds the notifications nothing has written for STALL_MS
// (`checkAt` passed), settles each (finishing one whose work is done but whose outcome is missing),
// and re-enqueues the tasks of one whose work is not done: its due wake-up, its planner, its due
// unsettled shards. Duplicated tasks are harmless (leases, the ledger). Its cost follows what it
// finds: one indexed range query, then a few reads per notification found.
import { FieldValue, Timestamp } from "firebase-admin/firestore";
import { readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { fanoutQueries, isTerminal, notificationRef, type StoredNotification, stalledNotifications } from "./documents.js";
import { settle } from "./outcome.js";
import { checkAtFrom, type FanoutDeps, generationOf, leaseLive, STALL_MS, stopReasonOf, taskId } from "./pipeline.js";

/** Notifications one run looks at; more are left to the next run (and counted as its backlog). */
export const SWEEP_LIMIT = 200;

type Swept = "finished" | "resumed" | "waiting";

export interface SweepSummary {
  found: number;
  finished: number;
  resumed: number;
  waiting: number;
  durationMs: number;
  backlog: boolean;
}

export async function sweepNotifications(deps: FanoutDeps, limit = SWEEP_LIMIT): Promise<SweepSummary> {
  const started = deps.now();
  const found = await stalledNotifications(deps.db, Timestamp.fromMillis(started), limit).select().get();
  const outcomes: Swept[] = [];
  for (let i = 0; i < found.docs.length; i += 10) {
    outcomes.push(...(await Promise.all(found.docs.slice(i, i + 10).map((doc) => sweepOne(deps, doc.id)))));
  }
  const count = (kind: Swept) => outcomes.filter((o) => o === kind).length;
  const summary = {
    found: found.size,
    finished: count("finished"),
    resumed: count("resumed"),
    waiting: count("waiting"),
    durationMs: deps.now() - started,
    backlog: found.size === limit,
  };
  logEvent("sweep.completed", summary);
  return summary;
}

async function sweepOne(deps: FanoutDeps, notificationId: string): Promise<Swept> {
  if (await settle(deps, notificationId)) {
    const status = readOrProblem(await notificationRef(deps.db, notificationId).get()).value?.status;
    logEvent("sweep.finished", { notificationId, status });
    return "finished";
  }
  const ref = notificationRef(deps.db, notificationId);
  const n = readOrProblem(await ref.get()).value;
  if (!n) return "finished";
  if (isTerminal(n.status) || (n.status !== "processing" && n.status !== "scheduled")) {
    await ref.update({ checkAt: FieldValue.delete() });
    return "finished";
  }
  const resumed = n.status === "scheduled" ? await resumeWake(deps, notificationId, n) : await resumeWork(deps, notificationId, n);
  await ref.update({ checkAt: resumed.checkAt });
  if (!resumed.any) return "waiting";
  logEvent("sweep.resumed", { notificationId, status: n.status, wake: resumed.wake, plan: resumed.plan, shards: resumed.shards });
  return "resumed";
}

interface Resumed {
  any: boolean;
  wake: boolean;
  plan: boolean;
  shards: number;
  checkAt: Timestamp;
}

/** A scheduled notification past its due time: its wake-up task was lost. */
async function resumeWake(deps: FanoutDeps, notificationId: string, n: StoredNotification): Promise<Resumed> {
  const now = deps.now();
  const dueAt = n.dueAt?.toMillis() ?? now;
  if (dueAt > now) return { any: false, wake: false, plan: false, shards: 0, checkAt: checkAtFrom(dueAt) };
  const generation = generationOf(n);
  await deps.tasks.wake({ notificationId, generation, kind: "wake", n: 0 }, { id: taskId(notificationId, generation, `wake-sweep-${now}`) });
  return { any: true, wake: true, plan: false, shards: 0, checkAt: checkAtFrom(now) };
}

/**
 * A processing notification: the planner again if it is unfinished and nobody holds it, and every
 * due shard not settled whose run is not live. Shards due later (localTime groups) are left to
 * their tasks; the next look is then at the earliest of them.
 */
async function resumeWork(deps: FanoutDeps, notificationId: string, n: StoredNotification): Promise<Resumed> {
  const now = deps.now();
  const generation = generationOf(n);
  const plan = !n.plan?.complete && !stopReasonOf(n) && !leaseLive(n.lease, now);
  if (plan) await deps.tasks.plan({ notificationId, generation, kind: "plan", n: 0 }, { id: taskId(notificationId, generation, `plan-sweep-${now}`) });
  const unsettled = await fanoutQueries(deps.db, notificationId).unsettled.select("index", "status", "dueAt", "lease").get();
  let nextDue = Number.POSITIVE_INFINITY;
  const stuck: number[] = [];
  for (const doc of unsettled.docs) {
    const dueAt: unknown = doc.get("dueAt");
    const due = dueAt instanceof Timestamp ? dueAt.toMillis() : 0;
    const expiresAt: unknown = doc.get("lease.expiresAt");
    const live = expiresAt instanceof Timestamp && expiresAt.toMillis() > now;
    if (due > now) nextDue = Math.min(nextDue, due);
    else if (!live) stuck.push(Number(doc.get("index")));
  }
  await Promise.all(
    stuck.map((shard) => deps.tasks.send({ notificationId, generation, shard }, { id: taskId(notificationId, generation, `shard-${shard}-sweep-${now}`) })),
  );
  const idle = !plan && stuck.length === 0 && Number.isFinite(nextDue);
  return {
    any: plan || stuck.length > 0,
    wake: false,
    plan,
    shards: stuck.length,
    checkAt: idle ? Timestamp.fromMillis(nextDue + STALL_MS) : checkAtFrom(now),
  };
}
