// purgeInactiveDevices against the emulator. Each test lives in its own era (the purge takes `now`),
// so devices other test files left behind are never its candidates; each test is older than the
// ones before it, so their leftovers are not its candidates either.
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import type { Firestore, WriteResult } from "firebase-admin/firestore";
import { logger } from "firebase-functions";
import { describe, expect, it, vi } from "vitest";
import { PURGE_SHARDS, purgeShardOf } from "../../src/devices/documents";
import { type PurgeOptions, purgeDevices } from "../../src/purge/purge";
import { countOperations, installCounting } from "../../tools/bench/counting";
import { db, eventFunctionUrl, uniqueId } from "../helpers/emulator";
import { expectRecordsInStep, type SeedDevice, seedDevices, seededDeviceId, sha256, tokenOwner } from "../helpers/notifications";

const DAY = 24 * 60 * 60 * 1000;
const OPTIONS: PurgeOptions = { inactiveRetentionDays: 30, staleDeviceDays: 60, timeBudgetMs: 60_000 };
const exists = async (d: SeedDevice) => (await db.doc(`users/${d.uid}/devices/${seededDeviceId(d)}`).get()).exists;
const purgeAt = (now: number, options: Partial<PurgeOptions> = {}) => purgeDevices({ db, now: () => now }, { ...OPTIONS, ...options });

/** `db`, whose write batches run `around` in place of their commit: to race or slow the purge's deletions. */
function aroundCommits(around: (commit: () => Promise<WriteResult[]>) => Promise<WriteResult[]>): Firestore {
  return new Proxy(db, {
    get(target, prop, receiver) {
      if (prop !== "batch") return Reflect.get(target, prop, receiver);
      return () => {
        const batch = target.batch();
        const commit = batch.commit.bind(batch);
        batch.commit = () => around(commit);
        return batch;
      };
    },
  });
}

describe("purge", () => {
  it("deletes inactive past retention and stale devices, keeps the rest, cutoff exact", async () => {
    const now = Date.UTC(1990, 5, 1);
    const uid = uniqueId("purge");
    const at = (days: number) => new Date(now - days * DAY);
    const devices = {
      inactiveOld: { uid, token: uniqueId("inactive-old"), active: false, updatedAt: at(31), lastSeenAt: at(31) },
      inactiveRecent: { uid, token: uniqueId("inactive-recent"), active: false, updatedAt: at(29), lastSeenAt: at(29) },
      inactiveAtCutoff: { uid, token: uniqueId("inactive-cutoff"), active: false, updatedAt: at(30), lastSeenAt: at(30) },
      activeStale: { uid, token: uniqueId("active-stale"), lastSeenAt: at(61) },
      activeAtStaleCutoff: { uid, token: uniqueId("active-cutoff"), lastSeenAt: at(60) },
      fresh: { uid, token: uniqueId("fresh"), lastSeenAt: at(1) },
    } satisfies Record<string, SeedDevice>;
    await seedDevices(Object.values(devices));

    const info = vi.spyOn(logger, "info").mockImplementation(() => undefined);
    const summary = await purgeAt(now);
    const logged = [...info.mock.calls];
    info.mockRestore();
    expect(summary).toMatchObject({ deleted: 2, inactive: 1, stale: 1, skipped: 0, complete: true });
    // The structured summary log the contract asks for.
    expect(logged).toContainEqual([
      "purge.completed",
      {
        event: "purge.completed",
        scanned: 2,
        deleted: 2,
        inactive: 1,
        stale: 1,
        skipped: 0,
        durationMs: expect.any(Number),
        complete: true,
      },
    ]);
    expect(summary.scanned).toBe(2);
    expect(await exists(devices.inactiveOld)).toBe(false);
    expect(await exists(devices.activeStale)).toBe(false);
    expect(await tokenOwner(devices.inactiveOld.token)).toBeUndefined();
    await expectRecordsInStep(uid);
    expect(await exists(devices.inactiveRecent)).toBe(true);
    expect(await exists(devices.inactiveAtCutoff)).toBe(true);
    expect(await exists(devices.activeAtStaleCutoff)).toBe(true);
    expect(await exists(devices.fresh)).toBe(true);

    // One millisecond later the cutoff devices are candidates.
    const next = await purgeAt(now + 1);
    expect(next).toMatchObject({ deleted: 2, inactive: 1, stale: 1 });
    expect(await exists(devices.inactiveAtCutoff)).toBe(false);
    expect(await exists(devices.activeAtStaleCutoff)).toBe(false);
  });

  it("keeps a device re-registered between the read and the delete", async () => {
    const now = Date.UTC(1988, 0, 1);
    const uid = uniqueId("race");
    const device = { uid, token: uniqueId("rereg"), lastSeenAt: new Date(now - 100 * DAY) };
    await seedDevices([device]);
    const ref = db.doc(`users/${uid}/devices/${sha256(device.token)}`);
    // The purge reads the page, then the client registers again before the delete lands.
    const racingDb = aroundCommits(async (commit) => {
      await ref.update({ lastSeenAt: new Date(now), updatedAt: new Date(now), active: true });
      return commit();
    });
    const summary = await purgeDevices({ db: racingDb, now: () => now }, OPTIONS);
    expect(summary).toMatchObject({ scanned: 1, deleted: 0, skipped: 1 });
    expect((await ref.get()).exists).toBe(true);
    // The device's deletion failed, and with it the deletion of its owner record and index entry.
    expect(await tokenOwner(device.token)).toBe(uid);
    await expectRecordsInStep(uid);
  });

  it("two runs at once end in the same state without errors", async () => {
    const now = Date.UTC(1985, 0, 1);
    const uid = uniqueId("twice");
    const old = Array.from({ length: 30 }, (_, i) => ({ uid, token: `${uid}-old-${i}`, lastSeenAt: new Date(now - 90 * DAY) }));
    const keep = Array.from({ length: 10 }, (_, i) => ({ uid, token: `${uid}-keep-${i}`, lastSeenAt: new Date(now - DAY) }));
    await seedDevices([...old, ...keep]);
    const [a, b] = await Promise.all([purgeAt(now, { pageSize: 7 }), purgeAt(now, { pageSize: 7 })]);
    expect(a.deleted + b.deleted).toBe(30);
    expect(a.complete && b.complete).toBe(true);
    const left = await db.collection(`users/${uid}/devices`).get();
    expect(left.docs.map((d) => d.id).sort()).toEqual(keep.map((d) => sha256(d.token)).sort());
  });

  it("stops cleanly when the time budget runs out and says how much is left", async () => {
    const start = Date.UTC(1983, 0, 1);
    const uid = uniqueId("budget");
    await seedDevices(Array.from({ length: 12 }, (_, i) => ({ uid, token: `${uid}-${i}`, lastSeenAt: new Date(start - 90 * DAY) })));
    let clock = start;
    // The budget runs out after the fifth deletion: pages of one device, at most 4 purge shards at once.
    let commits = 0;
    const slowDb = aroundCommits(async (commit) => {
      const result = await commit();
      if (++commits === 5) clock = start + 10_000;
      return result;
    });
    const summary = await purgeDevices({ db: slowDb, now: () => clock }, { ...OPTIONS, timeBudgetMs: 3000, pageSize: 1 });
    expect(summary.complete).toBe(false);
    expect(summary.deleted).toBeGreaterThanOrEqual(5);
    expect(summary.deleted).toBeGreaterThan(0);
    expect(summary.deleted).toBeLessThan(12);
    expect(summary.remaining).toBe(12 - summary.deleted);
    const rest = await purgeAt(start);
    expect(rest).toMatchObject({ complete: true, deleted: 12 - summary.deleted });
  });

  it("of 5,000 devices, deletes exactly the 50 deletable ones", async () => {
    const now = Date.UTC(1980, 0, 1);
    const users = Array.from({ length: 50 }, () => uniqueId("many"));
    const devices: SeedDevice[] = [];
    users.forEach((uid, u) => {
      for (let i = 0; i < 100; i++) {
        const deletable = i === 0;
        devices.push({
          uid,
          token: `${uid}-${i}`,
          active: deletable && u % 2 === 0 ? false : true,
          lastSeenAt: new Date(now - (deletable ? 70 : 5) * DAY),
        });
      }
    });
    await seedDevices(devices);
    const summary = await purgeAt(now, { pageSize: 20 });
    expect(summary).toMatchObject({ deleted: 50, scanned: 50, inactive: 25, stale: 25, complete: true });
    const remaining = await db.collectionGroup("devices").where("userId", "in", users.slice(0, 30)).count().get();
    expect(remaining.data().count).toBe(30 * 99);
    for (const d of devices.filter((_, i) => i % 100 === 0).slice(0, 5)) expect(await exists(d)).toBe(false);
  });

  it("reads and writes as many documents for 4 deletions among 10 kept devices as among 400", async () => {
    // One query per purge shard and kind; an empty one costs one read. The candidates' deviceIds
    // decide which queries find them.
    const expectedReads = (tokens: { inactive: string[]; stale: string[] }) => {
      const nonEmpty = new Set([...tokens.inactive.map((t) => `i${purgeShardOf(sha256(t))}`), ...tokens.stale.map((t) => `s${purgeShardOf(sha256(t))}`)]);
      return 4 + (2 * PURGE_SHARDS - nonEmpty.size);
    };
    installCounting(db);
    const run = async (now: number, kept: number) => {
      const tag = uniqueId("ops");
      const old = new Date(now - 40 * DAY);
      await seedDevices([
        ...Array.from({ length: kept }, (_, i) => ({ uid: `${tag}-k${i % 20}`, token: `${tag}-keep-${i}`, lastSeenAt: new Date(now - DAY) })),
        // Two logged out past the retention, two not seen past the stale limit: both queries find some.
        ...[0, 1].map((i) => ({ uid: `${tag}-d${i}`, token: `${tag}-inactive-${i}`, active: false, updatedAt: old, lastSeenAt: old })),
        ...[2, 3].map((i) => ({ uid: `${tag}-d${i}`, token: `${tag}-stale-${i}`, lastSeenAt: new Date(now - 70 * DAY) })),
      ]);
      const tokens = { inactive: [0, 1].map((i) => `${tag}-inactive-${i}`), stale: [2, 3].map((i) => `${tag}-stale-${i}`) };
      return { ...(await countOperations(() => purgeAt(now))), reads: expectedReads(tokens) };
    };
    // Each population in an era older than the one before, so neither is the other's candidate.
    for (const { result, counts, reads } of [await run(Date.UTC(1978, 0, 1), 10), await run(Date.UTC(1976, 0, 1), 400)]) {
      expect(result).toMatchObject({ scanned: 4, deleted: 4, inactive: 2, stale: 2, skipped: 0 });
      // The candidates read (plus one read per empty query), then per device: the device, its owner
      // record, its index entry.
      expect(counts).toMatchObject({ queries: 2 * PURGE_SHARDS, reads, writes: 12 });
    }
  });

  it("runs as the scheduled function through the Functions emulator", async () => {
    const uid = uniqueId("sched");
    const stale = { uid, token: uniqueId("sched-stale"), lastSeenAt: new Date(Date.now() - 400 * DAY) };
    const inactive = {
      uid,
      token: uniqueId("sched-inactive"),
      active: false,
      updatedAt: new Date(Date.now() - 45 * DAY),
      lastSeenAt: new Date(Date.now() - 45 * DAY),
    };
    const fresh = { uid, token: uniqueId("sched-fresh") };
    await seedDevices([stale, inactive, fresh]);
    const res = await fetch(await eventFunctionUrl("purgeInactiveDevices"), { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" });
    expect(res.status).toBe(200);
    expect(await exists(stale)).toBe(false);
    expect(await exists(inactive)).toBe(false);
    expect(await exists(fresh)).toBe(true);
  });

  it("runs by hand with npm run purge's tool, printing the summary", async () => {
    const uid = uniqueId("cli");
    const stale = { uid, token: uniqueId("cli-stale"), lastSeenAt: new Date(Date.now() - 20 * DAY) };
    await seedDevices([stale]);
    const tool = fileURLToPath(new URL("../../lib/tools/purge.js", import.meta.url));
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [tool, "--stale-days", "10"], { env: process.env });
    expect(stderr).toContain("Purging devices in the emulators");
    const summary = JSON.parse(/^purge summary: (.*)$/m.exec(stdout)![1]!);
    expect(summary).toMatchObject({ complete: true });
    expect(summary.deleted).toBeGreaterThanOrEqual(1);
    expect(await exists(stale)).toBe(false);
    const bad = await promisify(execFile)(process.execPath, [tool, "--stale-days", "0"]).catch((e) => e);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("usage: npm run purge");
  });
});
