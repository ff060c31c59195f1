// Purge: 50 deletable devices among 1,000 and among 20,000 devices in total. Each population lives
// in its own era (purgeDevices takes `now`), far before any real device, and is deleted afterwards,
// so neither the scenarios nor the rest of the benchmark see each other's devices.
import { performance } from "node:perf_hooks";
import type { Firestore } from "firebase-admin/firestore";
import { type PurgeOptions, type PurgeSummary, purgeDevices } from "../../src/purge/purge.js";
import { countOperations, type OperationCounts } from "./counting.js";
import { progress } from "./report.js";
import { deleteDocuments, type SeedDevice, seedDevices } from "./seed.js";
import { median } from "./stats.js";

export const TOTALS = [1000, 20_000] as const;
export const DELETABLE = 50;
const DEVICES_PER_USER = 10;
const DAY = 24 * 60 * 60 * 1000;
const OPTIONS: PurgeOptions = { inactiveRetentionDays: 30, staleDeviceDays: 60, timeBudgetMs: 600_000 };
/** One era per population, years apart (more than STALE_DEVICE_DAYS), older than any real device. */
const ERA: Record<number, number> = { 1000: Date.UTC(1960, 0, 1), 20000: Date.UTC(1950, 0, 1) };

export interface PurgeSample {
  ms: number;
  summary: PurgeSummary;
  counts: OperationCounts;
}

export interface PurgeScenario {
  total: number;
  /** The first run after seeding, not in the median. */
  warmUp: PurgeSample;
  runs: PurgeSample[];
  medianMs: number;
}

export interface PurgeResult {
  scenarios: PurgeScenario[];
  /** median time among 20,000 / median time among 1,000. */
  ratio: number;
}

async function scenario(db: Firestore, total: number, runs: number): Promise<PurgeScenario> {
  const now = ERA[total]!;
  const tag = `${Date.now().toString(36)}-${total}`;
  const users = Array.from({ length: total / DEVICES_PER_USER }, (_, u) => `bench-purge-${tag}-u${u}`);
  // Slot 0 of the first 50 users holds each run's deletable device; every other slot a kept one.
  const kept: SeedDevice[] = [];
  users.forEach((uid, u) => {
    for (let i = u < DELETABLE ? 1 : 0; i < DEVICES_PER_USER; i++) {
      kept.push({ uid, token: `bench-purge-${tag}-${u}-${i}`, lastSeenAt: new Date(now - 5 * DAY) });
    }
  });
  progress(`purge ${total}: seeding ${kept.length} devices that stay`);
  let shown = 0;
  const keptRefs = await seedDevices(db, kept, (written, all) => {
    if (written - shown >= 5000 || written === all) {
      shown = written;
      progress(`purge ${total}: seeded ${written}/${all}`);
    }
  });

  const samples: PurgeSample[] = [];
  for (let run = 0; run <= runs; run++) {
    // Half logged out past the retention, half not seen past the stale limit: both queries work.
    await seedDevices(
      db,
      users
        .slice(0, DELETABLE)
        .map((uid, u) =>
          u % 2 === 0
            ? { uid, token: `bench-purge-${tag}-r${run}-${u}`, active: false, updatedAt: new Date(now - 40 * DAY), lastSeenAt: new Date(now - 40 * DAY) }
            : { uid, token: `bench-purge-${tag}-r${run}-${u}`, lastSeenAt: new Date(now - 70 * DAY) },
        ),
    );
    const t0 = performance.now();
    const { result: summary, counts } = await countOperations(() => purgeDevices({ db, now: () => now }, OPTIONS));
    const ms = performance.now() - t0;
    if (summary.deleted !== DELETABLE || summary.scanned !== DELETABLE || !summary.complete) {
      throw new Error(`purge among ${total} deleted ${summary.deleted} and scanned ${summary.scanned} of ${DELETABLE} deletable devices`);
    }
    samples.push({ ms, summary, counts });
    progress(
      `purge ${total} run ${run === 0 ? "warm-up" : `${run}/${runs}`}: ${ms.toFixed(0)} ms, ${counts.queryMs.toFixed(0)} ms in queries, ${counts.reads} reads, ${counts.writes} writes`,
    );
  }

  progress(`purge ${total}: deleting the ${kept.length} devices that stayed`);
  await deleteDocuments(db, keptRefs);
  const [warmUp, ...measured] = samples;
  return { total, warmUp: warmUp!, runs: measured, medianMs: median(measured.map((s) => s.ms)) };
}

export async function benchPurge(db: Firestore, options: { runs: number }): Promise<PurgeResult> {
  const scenarios: PurgeScenario[] = [];
  for (const total of TOTALS) scenarios.push(await scenario(db, total, options.runs));
  return { scenarios, ratio: scenarios[1]!.medianMs / scenarios[0]!.medianMs };
}
