// Sending one shard: claim it with a lease, read its devices by key, send them in rounds (transient
// failures retried with backoff, a stop honoured between rounds), record every round in the ledger
// under the lease, and complete it. Fencing: a run sends a round only while its lease, renewed at
// every record, has FENCE_MARGIN_MS left by its own clock, and starts none after ROUND_BUDGET_MS;
// a record that finds the shard gone (its notification was deleted) writes nothing. The lease and
// the ledger keep every device, and every token, to one accepted send. A record is a batch fenced by
// the shard's update time (nobody else wrote it since this run did); only when that fence fails does
// a transaction decide what the record may still write.
import { type DocumentSnapshot, FieldPath, FieldValue, Timestamp, type UpdateData } from "firebase-admin/firestore";
import { deviceRef } from "../devices/documents.js";
import { writeShardEntries } from "../inbox/write.js";
import { backoffDelayMs } from "../messaging/backoff.js";
import { chunk, type SendError } from "../messaging/transport.js";
import { screenShard } from "../recipients/step.js";
import { getAllOf, preconditionLost, readOrProblem } from "../shared/documents.js";
import { logEvent } from "../shared/events.js";
import { IN_FILTER_LIMIT } from "./audience.js";
import { type BatchContext, deliverBatch, ledgerEntry, type Settled, type Target } from "./batch.js";
import {
  deliveriesOf,
  isTerminal,
  notificationRef,
  parseDeviceKey,
  type ShardDocument,
  type ShardStats,
  type StoredNotification,
  shardRef,
} from "./documents.js";
import { thenSettle } from "./outcome.js";
import {
  type FanoutDeps,
  type FanoutSettings,
  generationOf,
  holdsLease,
  LeaseBusyError,
  LeaseLostError,
  leaseLive,
  ROUND_BUDGET_MS,
  type ShardTask,
  scheduleFor,
  sendsNothingMore,
  stopReasonOf,
  taskId,
  waitUntil,
} from "./pipeline.js";
import { type NotificationInput, parseNotification } from "./schema.js";

export interface ShardRun {
  runId: string;
  leaseMs: number;
  /** The generation the task was made for; a task of an earlier incarnation of the id does nothing. */
  generation?: number;
}

export type ShardResult =
  | { kind: "done"; stats: ShardStats }
  | { kind: "early"; dueAt: number }
  /** lost: another run took the shard over (this one outlived its lease); it finishes the shard. */
  | { kind: "skipped" | "settled" | "gone" | "lost" };

/** `since`: when the notification started sending; a device created after it may hold a token that moved (see `mayHaveMoved`). */
type Claimed = { kind: "send"; shard: ShardDocument; notification?: NotificationInput; expiresAt: number; since: number; generation: number };
type Claim = Claimed | { kind: "busy"; until: number } | { kind: "changed" } | Exclude<ShardResult, { kind: "done" }>;

/** A notification whose document an Admin SDK user changed into an invalid one after it was accepted. */
export const CHANGED = {
  code: "invalid-argument",
  message: "The notification document was changed after it was accepted and no longer follows the rules; nothing more was sent.",
};

/** The run used its round budget with devices left: the task is retried, and the retry resumes them. */
export class RoundDeadlineError extends Error {
  constructor(what: string, pending: number) {
    super(`${what}: ${pending} device(s) left when the run's round budget ran out; a retry resumes them.`);
    this.name = "RoundDeadlineError";
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;
/** Ledger writes per transaction, with room for the shard's own update. */
const RECORD_CHUNK = 450;
/** Writes in one batch (Firestore's limit). */
const BATCH_LIMIT = 500;

/** When a shard record may be deleted: the retention, counted from now or from its due time if later. */
export function shardExpiry(now: number, dueAt: number | null | undefined, retentionDays: number): Timestamp {
  return Timestamp.fromMillis(Math.max(now, dueAt ?? 0) + retentionDays * DAY_MS);
}

/** Sends one shard, if it is due and not settled yet. */
export async function runShard(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, index: number, run: ShardRun): Promise<ShardResult> {
  const claim = await claimShard(deps, settings, notificationId, index, run);
  // Thrown only now, the transaction closed: a run that dies right after must not leave it open.
  if (claim.kind === "busy") throw new LeaseBusyError(`Shard ${index} of ${notificationId}`, claim.until);
  if (claim.kind === "changed") {
    await stopNotification(deps, notificationId, CHANGED);
    return runShard(deps, settings, notificationId, index, run);
  }
  if (claim.kind !== "send") return claim;
  const sender = new ShardSender(deps, settings, { notificationId, index, runId: run.runId, leaseMs: run.leaseMs }, claim);
  const stats = await sender.run();
  if (stats === "gone" || stats === "lost") return { kind: stats };
  logEvent("shard.completed", { notificationId, shard: index, ...stats, resumed: claim.shard.status === "sending" });
  return { kind: "done", stats };
}

/**
 * Claims the shard in a transaction that also reads the notification: a stop (cancel, halt,
 * deletion) committed before the claim is seen by it, so a shard that starts after a stop skips.
 */
async function claimShard(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, index: number, run: ShardRun): Promise<Claim> {
  const ref = shardRef(deps.db, notificationId, index);
  return deps.db.runTransaction(async (tx) => {
    const [nSnap, sSnap] = await getAllOf(tx, [notificationRef(deps.db, notificationId), ref]);
    const n = readOrProblem(nSnap).value;
    const shard = readOrProblem(sSnap).value;
    if (!shard || !n || (run.generation !== undefined && run.generation !== generationOf(n))) return { kind: "gone" };
    if (shard.status === "done" || shard.status === "skipped") return { kind: "settled" };
    const now = deps.now();
    if (shard.status === "sending" && leaseLive(shard.lease, now, run.runId)) return { kind: "busy", until: shard.lease!.expiresAt.toMillis() };
    const expiresAt = now + run.leaseMs;
    const common = { updatedAt: FieldValue.serverTimestamp(), expireAt: shardExpiry(now, shard.dueAt?.toMillis(), settings.retentionDays) };
    const lease = { runId: run.runId, expiresAt: Timestamp.fromMillis(expiresAt) };
    const stopped = sendsNothingMore(n);
    if (stopped && shard.status === "planned") {
      tx.update(ref, { status: "skipped", ...common });
      return { kind: "skipped" };
    }
    if (stopped) {
      // The notification stopped while a crashed run of this shard was sending: only count.
      tx.update(ref, { lease, ...common });
      return { kind: "send", shard, expiresAt, since: startedAtOf(n), generation: generationOf(n) };
    }
    if (shard.dueAt && shard.dueAt.toMillis() > now) return { kind: "early", dueAt: shard.dueAt.toMillis() };
    const parsed = parseNotification(n);
    if (!parsed.ok) return { kind: "changed" };
    tx.update(ref, { status: "sending", lease, attempts: shard.attempts + 1, ...common });
    return { kind: "send", shard, notification: parsed.value, expiresAt, since: startedAtOf(n), generation: generationOf(n) };
  });
}

const startedAtOf = (n: StoredNotification) => n.startedAt?.toMillis() ?? n.createdAt?.toMillis() ?? 0;

/**
 * The shard's devices as they are now: existing, active, still the key's user's and in the audience;
 * `recent`: those whose document was created after the notification started. Only those can hold a
 * token that another shard already sent under its previous holder (a token that moves gets a new
 * device document under its new user); a device held since before the start had no other holder.
 */
async function loadTargets(
  deps: FanoutDeps,
  notificationId: string,
  n: NotificationInput,
  keys: Array<{ userId: string; deviceId: string }>,
  since = Number.POSITIVE_INFINITY,
): Promise<{ targets: Target[]; recent: Set<string> }> {
  const snaps = await getAllOf(
    deps.db,
    keys.map((k) => deviceRef(deps.db, k.userId, k.deviceId)),
  );
  const seen = new Set<string>();
  const recent = new Set<string>();
  const targets = snaps.flatMap((snap, i): Target[] => {
    if (!snap.exists) return [];
    const { value: device, problem } = readOrProblem(snap);
    if (!device) {
      logEvent("shard.malformedDevice", { notificationId, path: snap.ref.path, problem: problem?.message });
      return [];
    }
    const key = keys[i]!;
    if (!device.active || device.userId !== key.userId || seen.has(key.deviceId)) return [];
    if (n.topic !== undefined && !device.topics.includes(n.topic)) return [];
    if (n.platforms && !n.platforms.includes(device.type)) return [];
    seen.add(key.deviceId);
    // Both are the database's own commit times (serverTimestamp): a device created before the
    // notification started was there before the planner began, so no earlier holder of its token was planned.
    if (device.createdAt.toMillis() >= since) recent.add(key.deviceId);
    return [
      {
        userId: key.userId,
        deviceId: key.deviceId,
        address: device.fid !== undefined ? { fid: device.fid } : { token: device.token },
        locale: device.locale,
        type: device.type,
        timezone: device.timezone,
        preferences: device.preferences,
      },
    ];
  });
  return { targets, recent };
}

/**
 * What the ledger holds for these devices, split by whose record it is: this shard's own (its
 * user's), or another user's: the token moved and was already sent for its new holder, so this
 * shard must neither send it nor count it. Read with `in` queries of 30 ids, which cost one read
 * when they find nothing, not one read per device.
 */
async function ledgerOf(deps: FanoutDeps, notificationId: string, keys: Array<{ userId: string; deviceId: string }>, release = false) {
  const ledger = deliveriesOf(deps.db, notificationId);
  const ids = keys.map((k) => k.deviceId);
  const pages = await Promise.all(chunk(ids, IN_FILTER_LIMIT).map((part) => ledger.where(FieldPath.documentId(), "in", part).get()));
  const owner = new Map(keys.map((k) => [k.deviceId, k.userId]));
  const ours = new Map<string, Settled>();
  const elsewhere = new Set<string>();
  for (const doc of pages.flatMap((page) => page.docs)) {
    const entry = readOrProblem(doc).value;
    // A release shard's devices are `held` in the ledger: for it they are still to send.
    if (entry && entry.userId === owner.get(doc.id)) {
      if (!(release && entry.status === "held")) ours.set(doc.id, entry);
    } else elsewhere.add(doc.id);
  }
  return { ours, elsewhere };
}

/** How a record moves the shard on: rounds made so far, the lease renewed or released with them, or the shard done. */
type Next = { rounds: number } | { renew: number } | { release: number } | { complete: ShardStats };

interface ShardAt {
  notificationId: string;
  index: number;
  runId: string;
  leaseMs: number;
}

/**
 * Writes settled devices to the ledger and moves the shard on, in transactions that read the shard
 * first: when the shard is gone (its notification was deleted), nothing is written; the ledger is
 * always written otherwise (it records sends that happened), but only the lease holder (or, when
 * giving up, anyone once the lease has expired) moves the shard on. Returns which of these it was.
 * `creates`: release shards (quiet hours) created with the records of the devices they hold.
 */
async function recordShard(
  deps: FanoutDeps,
  settings: FanoutSettings,
  at: ShardAt,
  settled: Settled[],
  next: Next,
  mayMove: (shard: DocumentSnapshot<ShardDocument>) => boolean,
  creates: ShardDocument[] = [],
): Promise<"moved" | "gone" | "lost"> {
  const ref = shardRef(deps.db, at.notificationId, at.index);
  const ledger = deliveriesOf(deps.db, at.notificationId);
  const parts = chunk(settled, RECORD_CHUNK);
  if (parts.length === 0) parts.push([]);
  let result: "moved" | "gone" | "lost" = "lost";
  for (const [i, part] of parts.entries()) {
    result = await deps.db.runTransaction(async (tx) => {
      const snap = await tx.get(ref);
      if (!snap.exists) return "gone";
      for (const s of part) tx.set(ledger.doc(s.deviceId), ledgerEntry(deps, settings.retentionDays, s));
      if (i < parts.length - 1 || !mayMove(snap)) return "lost";
      for (const doc of creates) tx.create(shardRef(deps.db, at.notificationId, doc.index), doc);
      const dueAt: unknown = snap.get("dueAt");
      tx.update(ref, shardUpdate(deps, settings, at, dueAt instanceof Timestamp ? dueAt.toMillis() : null, next));
      return "moved";
    });
    if (result === "gone") return result;
  }
  return result;
}

function shardUpdate(deps: FanoutDeps, settings: FanoutSettings, at: ShardAt, dueAt: number | null, next: Next): UpdateData<ShardDocument> {
  const now = deps.now();
  const common = { updatedAt: FieldValue.serverTimestamp(), expireAt: shardExpiry(now, dueAt, settings.retentionDays) };
  if ("rounds" in next) return { rounds: next.rounds, ...common };
  if ("renew" in next) return { rounds: next.renew, lease: { runId: at.runId, expiresAt: Timestamp.fromMillis(now + at.leaseMs) }, ...common };
  if ("release" in next) return { rounds: next.release, lease: { runId: at.runId, expiresAt: Timestamp.fromMillis(now) }, ...common };
  return { status: "done", stats: next.complete, rounds: next.complete.rounds, lease: FieldValue.delete(), ...common };
}

/** One run of one claimed shard: its rounds, their records, its completion. */
class ShardSender {
  private readonly settled = new Map<string, Settled>();
  private rounds: number;
  private expiresAt: number;
  private recent = new Set<string>();
  private readonly startedAt: number;
  /** The shard's update time as this run last wrote it: the fence of its next record (see `record`). */
  private version?: Timestamp;

  constructor(
    private readonly deps: FanoutDeps,
    private readonly settings: FanoutSettings,
    private readonly at: ShardAt,
    private readonly claim: Claimed,
  ) {
    this.rounds = claim.shard.rounds ?? 0;
    this.expiresAt = claim.expiresAt;
    this.startedAt = deps.now();
  }

  /** Sends what is left and completes the shard; "gone" or "lost" when it must stop without completing. */
  async run(): Promise<ShardStats | "gone" | "lost"> {
    const { notification } = this.claim;
    const keys = this.claim.shard.devices.map(parseDeviceKey);
    const ref = shardRef(this.deps.db, this.at.notificationId, this.at.index);
    // A stopped notification's shard only counts what its crashed run recorded.
    const [loaded, claimed] = await Promise.all([
      notification ? loadTargets(this.deps, this.at.notificationId, notification, keys, this.claim.since) : undefined,
      ref.get(),
    ]);
    // The shard as the claim left it (one read a run): the first record's fence, if it is still this run's.
    if (this.holds(claimed)) this.version = claimed.updateTime;
    this.recent = loaded?.recent ?? new Set();
    if (loaded && !(await writeShardEntries(this.deps, this.settings, this.at.notificationId, notification!, ref, loaded.targets))) return "gone";
    // A shard sent before (by a crashed or stopped run) reads its whole ledger; a fresh one only the recent devices'.
    const resumed = (this.claim.shard.rounds ?? 0) > 0 || this.claim.shard.status === "sending";
    // A stopped notification's shard only counts: its keys stand in for targets, and none is sent.
    if (!loaded) await this.unsettled(keys, true);
    let pending = loaded ? await this.unsettled(loaded.targets, resumed) : [];
    // Recipient control: what the users' preferences and the daily cap say, recorded before any send.
    if (notification) pending = await screenShard(this.deps, this.settings, this.screening(notification), pending);
    let unrecorded: Settled[] = [];
    let stopped = !notification;
    if (notification) ({ pending, unrecorded, stopped } = await this.sendRounds(notification, pending));
    const stats = countOf(this.settled, stopped ? [] : pending, this.rounds, this.releasing);
    const result = await this.record(unrecorded, { complete: stats });
    return result === "moved" ? stats : result;
  }

  /** A release shard's devices, which its origin shard already counted (see ShardStats.held). */
  private get releasing(): number {
    return this.claim.shard.release ? this.claim.shard.devices.length : 0;
  }

  /** What the enforcement step needs of this run: its shard, its records (fenced by the lease), its settled devices. */
  private screening(notification: NotificationInput) {
    const { shard, generation } = this.claim;
    return {
      notificationId: this.at.notificationId,
      notification,
      generation,
      origin: { index: shard.index, run: shard.attempts + 1, release: shard.release === true },
      record: async (settled: Settled[], creates: ShardDocument[]) => {
        for (const s of settled) this.settled.set(s.deviceId, s);
        const result = await this.record(settled, { rounds: this.rounds }, creates);
        if (result !== "moved") throw new LeaseLostError(`Shard ${this.at.index} of ${this.at.notificationId}`);
      },
    };
  }

  private holds(snap: DocumentSnapshot): boolean {
    return snap.get("lease.runId") === this.at.runId && snap.get("status") === "sending";
  }

  /**
   * The targets without a ledger entry; this shard's own entries count as settled. Looks up every
   * target (`all`) or only the recent ones, which may hold a token another shard already sent.
   */
  private async unsettled<T extends { userId: string; deviceId: string }>(targets: T[], all: boolean): Promise<T[]> {
    const lookedUp = all ? targets : targets.filter((t) => this.recent.has(t.deviceId));
    const { ours, elsewhere } = await ledgerOf(this.deps, this.at.notificationId, lookedUp, this.claim.shard.release);
    for (const [id, entry] of ours) this.settled.set(id, entry);
    return targets.filter((t) => !this.settled.has(t.deviceId) && !elsewhere.has(t.deviceId));
  }

  /** Send rounds until every device is settled, the attempts run out, or the notification stops. */
  private async sendRounds(notification: NotificationInput, targets: Target[]) {
    const ctx: BatchContext = { notificationId: this.at.notificationId, notification, shard: this.at.index, retentionDays: this.settings.retentionDays };
    let pending = targets;
    let retryAfterMs: number | undefined;
    for (let first = true; pending.length > 0; first = false) {
      if (!first) {
        await this.deps.sleep(backoffDelayMs(this.rounds, this.settings.backoff, retryAfterMs, this.deps.random));
        if (await isStopped(this.deps, ctx.notificationId)) return { pending, unrecorded: [], stopped: true };
        pending = await this.unsettled(pending, false);
        if (pending.length === 0) break;
      }
      if (!first) await this.fence(pending.length);
      const n = ++this.rounds;
      const result = await deliverBatch(this.deps, ctx, pending, { n, last: n >= this.settings.maxAttempts });
      for (const s of result.settled) this.settled.set(s.deviceId, s);
      pending = result.retry;
      retryAfterMs = result.retryAfterMs;
      if (result.configurationError) {
        await halt(this.deps, ctx.notificationId, result.configurationError);
        return { pending, unrecorded: result.settled, stopped: true };
      }
      if (pending.length === 0) return { pending, unrecorded: result.settled, stopped: false };
      await this.recordRound(result.settled);
    }
    return { pending, unrecorded: [], stopped: false };
  }

  /** Records a round in the ledger (and the rounds made); stops the run when the shard is gone or taken over. */
  private async recordRound(settled: Settled[]): Promise<void> {
    const result = await this.record(settled, { rounds: this.rounds });
    if (result !== "moved") throw new LeaseLostError(`Shard ${this.at.index} of ${this.at.notificationId}`);
  }

  /**
   * Writes settled devices to the ledger and moves the shard on. While nobody else has written the
   * shard since this run did (`version`), one batch does it, its shard update preconditioned on that
   * update time: it fails whole once another run took the shard over or its notification was
   * deleted, and costs less than a transaction (the emulator serialises those). Without a version,
   * or when the fence fails, `recordShard`'s transactions decide what may still be written.
   */
  private async record(
    settled: Settled[],
    next: Next,
    creates: ShardDocument[] = [],
    mayMove = (s: DocumentSnapshot<ShardDocument>) => this.holds(s),
  ): Promise<"moved" | "gone" | "lost"> {
    const version = this.version;
    this.version = undefined;
    const ref = shardRef(this.deps.db, this.at.notificationId, this.at.index);
    if (version && settled.length + creates.length < BATCH_LIMIT) {
      const batch = this.deps.db.batch();
      const ledger = deliveriesOf(this.deps.db, this.at.notificationId);
      for (const s of settled) batch.set(ledger.doc(s.deviceId), ledgerEntry(this.deps, this.settings.retentionDays, s));
      for (const doc of creates) batch.create(shardRef(this.deps.db, this.at.notificationId, doc.index), doc);
      const dueAt = this.claim.shard.dueAt?.toMillis() ?? null;
      batch.update(ref, shardUpdate(this.deps, this.settings, this.at, dueAt, next), { lastUpdateTime: version });
      try {
        // The shard's update comes last: its write time is the next record's fence.
        this.version = (await batch.commit()).at(-1)?.writeTime;
        return "moved";
      } catch (error) {
        if (!preconditionLost(error)) throw error;
      }
    }
    return recordShard(this.deps, this.settings, this.at, settled, next, mayMove, creates);
  }

  /**
   * Before each round after the first (the claim fenced that one): the round budget must not be
   * spent, and a transaction proves the lease is still this run's and renews it. A run that finds it
   * expired or taken over (it outlived its lease: a pause, a slow FCM) sends nothing more.
   */
  private async fence(pending: number): Promise<void> {
    const now = this.deps.now();
    const deadline = now - this.startedAt > ROUND_BUDGET_MS;
    const lost = () => new LeaseLostError(`Shard ${this.at.index} of ${this.at.notificationId}`);
    if (!holdsLease(this.expiresAt, now)) throw lost();
    const next = deadline ? { release: this.rounds } : { renew: this.rounds };
    // The batch's fence implies the lease as this run renewed it, checked against the clock above.
    const result = await this.record([], next, [], (s) => this.holds(s) && holdsLease(leaseEnd(s), now));
    if (result !== "moved") throw lost();
    if (deadline) throw new RoundDeadlineError(`Shard ${this.at.index} of ${this.at.notificationId}`, pending);
    this.expiresAt = now + this.at.leaseMs;
  }
}

/** When a shard's lease ends, as stored (0 without one). */
function leaseEnd(snap: DocumentSnapshot<ShardDocument>): number {
  const expiresAt: unknown = snap.get("lease.expiresAt");
  return expiresAt instanceof Timestamp ? expiresAt.toMillis() : 0;
}

/** A shard's counters; `releasing`: a release shard's devices, counted by its origin shard already (see ShardStats.held). */
function countOf(settled: Map<string, Settled>, unsent: Array<{ deviceId: string }>, rounds: number, releasing = 0): ShardStats {
  const devices = new Set([...settled.keys(), ...unsent.map((t) => t.deviceId)]).size - releasing;
  const count = (status: Settled["status"]) => [...settled.values()].filter((s) => s.status === status).length;
  const stats: ShardStats = { devices, sent: count("sent"), failed: count("failed"), removed: count("removed"), rounds };
  const skipped = count("skipped");
  const held = count("held") - releasing;
  if (skipped > 0) stats.skipped = skipped;
  if (held !== 0) stats.held = held;
  return stats;
}

async function isStopped(deps: FanoutDeps, notificationId: string): Promise<boolean> {
  return sendsNothingMore(readOrProblem(await notificationRef(deps.db, notificationId).get()).value);
}

/** Stops the whole notification: the other shards see `halt` and send nothing more. */
async function halt(deps: FanoutDeps, notificationId: string, error: SendError): Promise<void> {
  const message = `FCM rejected the project's credentials or configuration; nothing more was sent and no device was deleted: ${error.message}`;
  await stopNotification(deps, notificationId, { code: error.code, message });
  logEvent("fanout.halted", { notificationId, code: error.code, message: error.message });
}

/** Sets `halt` unless the notification is already finished or stopped; `runId`: a planner run that stops, whose lease goes too. */
export async function stopNotification(deps: FanoutDeps, notificationId: string, reason: { code: string; message: string }, runId?: string): Promise<void> {
  const ref = notificationRef(deps.db, notificationId);
  await deps.db.runTransaction(async (tx) => {
    const n = readOrProblem(await tx.get(ref)).value;
    if (!n || isTerminal(n.status)) return;
    const update: UpdateData<StoredNotification> = {};
    if (!stopReasonOf(n)) update.halt = reason;
    if (n.lease && (n.lease.runId === runId || !leaseLive(n.lease, deps.now()))) update.lease = FieldValue.delete();
    if (Object.keys(update).length > 0) tx.update(ref, update);
  });
}

/**
 * The last task attempt of a shard failed: its devices still in the audience and not settled are
 * recorded as failed, so the notification can still finish instead of staying `processing`. Not a
 * failure when a live run holds the shard (it finishes it); a stopped notification's shard only
 * counts what was sent (a cancellation is not a failure). Ends with `settle`, as every task does.
 */
export async function giveUpShard(
  deps: FanoutDeps,
  settings: FanoutSettings,
  notificationId: string,
  index: number,
  error: unknown,
  runId: string,
): Promise<void> {
  await thenSettle(deps, notificationId, () => giveUp(deps, settings, notificationId, index, error, runId));
}

async function giveUp(deps: FanoutDeps, settings: FanoutSettings, notificationId: string, index: number, error: unknown, runId: string): Promise<void> {
  if (error instanceof LeaseBusyError) return;
  const [nSnap, sSnap] = await getAllOf(deps.db, [notificationRef(deps.db, notificationId), shardRef(deps.db, notificationId, index)]);
  const shard = readOrProblem(sSnap).value;
  const n = readOrProblem(nSnap).value;
  if (!shard || shard.status === "done" || shard.status === "skipped" || leaseLive(shard.lease, deps.now(), runId)) return;
  const keys = shard.devices.map(parseDeviceKey);
  const parsed = n && !sendsNothingMore(n) ? parseNotification(n) : undefined;
  const targets = parsed?.ok ? (await loadTargets(deps, notificationId, parsed.value, keys)).targets : [];
  const { ours, elsewhere } = await ledgerOf(deps, notificationId, parsed?.ok ? targets : keys, shard.release);
  const reason = { code: "pushfan/shard-failed", message: `The shard failed on every task attempt: ${error instanceof Error ? error.message : String(error)}` };
  const failed: Settled[] = targets
    .filter((t) => !ours.has(t.deviceId) && !elsewhere.has(t.deviceId))
    .map((t) => ({ userId: t.userId, deviceId: t.deviceId, status: "failed", error: reason, attempts: shard.rounds ?? 0 }));
  for (const f of failed) ours.set(f.deviceId, f);
  // The push failed, not the inbox: its users still get their entries (create-only, as in a run).
  if (parsed?.ok) await writeShardEntries(deps, settings, notificationId, parsed.value, shardRef(deps.db, notificationId, index), targets);
  const at = { notificationId, index, runId, leaseMs: 0 };
  const stats = countOf(ours, [], shard.rounds ?? 0, shard.release ? keys.length : 0);
  await recordShard(deps, settings, at, failed, { complete: stats }, (s) => !leaseLive(readOrProblem(s).value?.lease, deps.now(), runId));
  logEvent("shard.exhausted", { notificationId, shard: index, failed: failed.length, error: reason.message });
}

/**
 * A send task: runs the shard, waiting first when it came early (a localTime group not due yet):
 * in place when the wait is short, else by enqueueing the next hop of the wait.
 */
export async function runShardTask(deps: FanoutDeps, settings: FanoutSettings, task: ShardTask, run: ShardRun): Promise<ShardResult> {
  return thenSettle(deps, task.notificationId, () => shardTask(deps, settings, task, run));
}

async function shardTask(deps: FanoutDeps, settings: FanoutSettings, task: ShardTask, run: ShardRun): Promise<ShardResult> {
  const ofTask = { ...run, generation: task.generation };
  const result = await runShard(deps, settings, task.notificationId, task.shard, ofTask);
  if (result.kind !== "early") return result;
  if (await waitUntil(deps, result.dueAt, task.notBefore)) return runShard(deps, settings, task.notificationId, task.shard, ofTask);
  const hop = (task.hop ?? 0) + 1;
  const { notBefore, scheduleTime } = scheduleFor(deps.now(), result.dueAt);
  const id = taskId(task.notificationId, task.generation, `shard-${task.shard}-h${hop}`);
  await deps.tasks.send({ ...task, hop, notBefore }, { id, scheduleTime });
  return result;
}
