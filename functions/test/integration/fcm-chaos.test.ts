// Chaos on the wire: 5,000-device topic notifications through the real pipeline (trigger, planner,
// send tasks) and firebase-admin's sendEach, while the FCM fake fails requests (503s, 429s with
// Retry-After, dropped streams, answers delayed past a send round), a send task is enqueued twice,
// or the planner's worker process is killed. Judged from the fake's own log: every active device
// got exactly one accepted message, the ledger and the stats agree with it, the status is
// terminal, and no device was deleted for a transient error.
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { getFunctions } from "firebase-admin/functions";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { clearFaults, type FaultRule, fakeMessages, type ReceivedMessage, restoreSessionTransport, setFaults, useTransport } from "../../tools/fcm-fake/client";
import { db, uniqueId, waitFor } from "../helpers/emulator";
import { deliveriesOf, type SeedDevice, seedDevices, sha256, waitForOutcome } from "../helpers/notifications";

const DEVICES = 5000;
const TYPES = ["ios", "android", "web"] as const;
const run = uniqueId("chaos");
const topic = `${run}-topic`;

/** The fault a device's requests meet, by its index: 20% 503, 5% 429, 2% dropped streams, 1% slow. */
function categoryOf(i: number): string {
  if (i % 20 < 4) return "c503";
  if (i % 20 === 4) return "c429";
  if (i % 50 === 5) return "drop";
  if (i % 100 === 7) return "slow";
  return "ok";
}

const devices: Array<SeedDevice & { token: string }> = Array.from({ length: DEVICES }, (_, i) => ({
  uid: `${run}-u${i % 1250}`,
  // Fixed width, so that no device's token is a prefix of another's (fault rules match by prefix).
  token: `${categoryOf(i)}-${run}-${String(i).padStart(4, "0")}`,
  type: TYPES[i % 3],
  topics: [topic],
}));

beforeAll(async () => {
  // 2 s: Retry-After (1 s here) is honoured up to SEND_BACKOFF_MAX_MS, which .env.local keeps at 500 ms.
  await useTransport("fake", { SEND_BACKOFF_MAX_MS: "2000" });
  await seedDevices(devices);
}, 180_000);

afterAll(restoreSessionTransport, 120_000);
afterEach(clearFaults);

/** The checks every run ends with, from the fake's log, the ledger, the stats and the devices. */
async function expectExactlyOnce(id: string): Promise<void> {
  const outcome = await waitForOutcome(id, 110_000);
  const received = await fakeMessages({ notificationId: id });
  const accepted = new Map<string, ReceivedMessage[]>();
  for (const m of received.filter((r) => r.status === 200 && !r.validateOnly)) accepted.set(m.token ?? "", [...(accepted.get(m.token ?? "") ?? []), m]);
  const twice = [...accepted].filter(([, list]) => list.length > 1).map(([token]) => token);
  const missed = devices.filter((d) => !accepted.has(d.token)).map((d) => d.token);
  expect({ duplicates: twice.slice(0, 5), duplicateCount: twice.length, missed: missed.slice(0, 5), missedCount: missed.length }).toEqual({
    duplicates: [],
    duplicateCount: 0,
    missed: [],
    missedCount: 0,
  });
  expect(accepted.size).toBe(DEVICES);

  const deliveries = await deliveriesOf(id);
  const sent = Object.entries(deliveries).filter(([, d]) => d.status === "sent");
  expect(sent).toHaveLength(DEVICES);
  const tokenOf = new Map(devices.map((d) => [sha256(d.token), d.token]));
  const disagree = sent.filter(([deviceId, d]) => d.messageId !== accepted.get(tokenOf.get(deviceId)!)?.[0]?.name);
  expect(disagree.slice(0, 3), `ledger entries whose messageId is not the one FCM answered (${disagree.length})`).toEqual([]);
  expect(outcome.status).toBe("sent");
  expect(outcome.stats).toMatchObject({ devices: DEVICES, sent: DEVICES, failed: 0, removed: 0 });
  const left = await db.collectionGroup("devices").where("topics", "array-contains", topic).count().get();
  expect(left.data().count, "devices deleted for a transient error").toBe(DEVICES);
}

describe("5,000 devices on a topic, on the FCM fake", () => {
  it("with 20% 503, 5% 429 + Retry-After 1 s, dropped streams and answers delayed past a round", async () => {
    // One rule per device, each for its first request only: a device's retry is answered as any
    // request is, as with FCM, where 5% of requests failing does not fail one device five times.
    const fault: Record<string, Omit<FaultRule, "tokenPrefix" | "times">> = {
      c503: { status: 503, fcmError: "UNAVAILABLE" },
      c429: { status: 429, fcmError: "QUOTA_EXCEEDED", retryAfterSeconds: 1 },
      drop: { resetConnection: true },
      // Accepted, but 12 s late: longer than a send round under the emulator's backoff settings,
      // shorter than firebase-admin's 15 s request timeout.
      slow: { delayMs: 12_000 },
    };
    await setFaults(
      devices.flatMap((d) => {
        const rule = fault[d.token.split("-")[0]!];
        return rule ? [{ tokenPrefix: d.token, times: 1, ...rule }] : [];
      }),
    );
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic, title: "Chaos", body: "Every device once" });
    await expectExactlyOnce(id);
    const statuses = (await fakeMessages({ notificationId: id })).map((m) => String(m.status));
    // The faults did happen.
    for (const s of ["503", "429", "reset"]) expect(statuses, `answers ${s}`).toContain(s);
  }, 240_000);

  it("with a send task enqueued twice (a different task id, so Cloud Tasks cannot deduplicate it)", async () => {
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic, title: "Twice", body: "Still once" });
    // The task payload (notification id, generation = createdAt in ms, shard index) as the planner writes it.
    const created = await waitFor(async () => (await db.doc(`notifications/${id}`).get()).get("createdAt")?.toMillis() as number | undefined, {
      what: "createdAt",
    });
    // Once the planner has written the first shards, so that each copy races its original.
    await waitFor(async () => ((await db.collection(`notifications/${id}/shards`).count().get()).data().count >= 4 ? true : undefined), {
      intervalMs: 20,
      what: "4 shards planned",
    });
    const queue = getFunctions().taskQueue("locations/us-central1/functions/sendNotificationShard");
    await Promise.all([0, 1, 2, 3].map((shard) => queue.enqueue({ notificationId: id, generation: created, shard }, { id: `${id}-duplicate-${shard}` })));
    await expectExactlyOnce(id);
  }, 180_000);

  it("with the planner's worker process killed while it plans", async () => {
    const id = uniqueId("n");
    await db.doc(`notifications/${id}`).set({ topic, title: "Planner killed", body: "Resumed" });
    // Killed once the notification is being planned: accepted, its plan not complete, a planner worker up.
    const killedAt = await waitFor(
      async () => {
        const doc = (await db.doc(`notifications/${id}`).get()).data();
        const pids = workerPids("planNotification");
        if (doc?.status !== "processing" || doc.plan?.complete === true || pids.length === 0) return undefined;
        for (const pid of pids) process.kill(pid, "SIGKILL");
        return { pids, plannedShards: (await db.collection(`notifications/${id}/shards`).count().get()).data().count };
      },
      { timeoutMs: 30_000, intervalMs: 10, what: "the planner at work" },
    );
    console.info(`planner killed with ${killedAt.plannedShards} of 20 shards planned (pids ${killedAt.pids.join(", ")})`);
    await expectExactlyOnce(id);
  }, 180_000);
});

/** The Functions emulator's worker processes running `target` (FUNCTION_TARGET in their environment). */
function workerPids(target: string): number[] {
  if (existsSync("/proc/self/environ")) {
    return readdirSync("/proc")
      .filter((name) => /^\d+$/.test(name))
      .filter((pid) => {
        try {
          return (
            readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("functionsEmulatorRuntime") &&
            readFileSync(`/proc/${pid}/environ`, "utf8").includes(`\0FUNCTION_TARGET=${target}\0`)
          );
        } catch {
          return false;
        }
      })
      .map(Number);
  }
  // macOS: `ps eww` prints each command with its environment.
  return execFileSync("ps", ["-A", "-ww", "-e", "-o", "pid=,command="], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.includes("functionsEmulatorRuntime") && line.includes(`FUNCTION_TARGET=${target} `))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}
