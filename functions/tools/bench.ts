// `npm run bench`: measures registration, fan-out and purge against the Emulator Suite (sandbox
// transport), prints tables with ratios and targets met / not met, and writes bench/results.json.
// Every figure is the median of several runs; ratios are taken within one run of this command.
import "./bench/quiet.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { SEND_DISPATCHES_PER_SECOND } from "../src/notifications/pipeline.js";
import { type BroadcastResult, type BroadcastSample, benchBroadcast } from "./bench/broadcast.js";
import { installCounting } from "./bench/counting.js";
import { benchDeletion, type DeletionResult } from "./bench/deletion.js";
import { benchFanoutEndToEnd, benchFanoutOperations, type EndToEndResult, type OperationsResult } from "./bench/fanout.js";
import { benchImport, IMPORT_ROWS, type ImportResult } from "./bench/import.js";
import { benchPurge, DELETABLE, type PurgeResult } from "./bench/purge.js";
import { benchRegistration, benchRegistrationInProcess, CONCURRENCIES, type InProcessRegistration, type RegistrationResult } from "./bench/registration.js";
import { fmt, progress, section, table } from "./bench/report.js";
import { median } from "./bench/stats.js";
import { findEmulators } from "./shared/emulators.js";

// Compiled to functions/lib/tools/bench.js.
const REPO_ROOT = join(__dirname, "..", "..", "..");

const SCENARIOS = ["registration", "fanout", "operations", "purge", "broadcast", "deletion", "import"] as const;
type Scenario = (typeof SCENARIOS)[number];

const USAGE = `usage: npm run bench -- [--runs 3] [--purge-runs 5] [--calls 200] [--load-seconds 45] [--only registration,fanout,operations,purge,broadcast,deletion,import] [--fcm fake] [--import-rows 100000] [--out bench/results.json]`;

interface Results {
  registration?: RegistrationResult;
  fanout?: EndToEndResult;
  operations?: OperationsResult;
  registrationInProcess?: InProcessRegistration;
  purge?: PurgeResult;
  broadcast?: BroadcastResult;
  deletion?: DeletionResult;
  import?: ImportResult;
}

interface Target {
  target: string;
  value: string;
  limit: string;
  met: boolean | undefined;
}

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: "string", default: "3" },
      "purge-runs": { type: "string", default: "5" },
      calls: { type: "string", default: "200" },
      "load-seconds": { type: "string", default: "45" },
      "import-rows": { type: "string", default: String(IMPORT_ROWS) },
      only: { type: "string", default: SCENARIOS.join(",") },
      // The 10,000-device broadcast once more through firebase-admin to the FCM fake (tools/fcm-fake).
      fcm: { type: "string" },
      out: { type: "string", default: join(REPO_ROOT, "bench", "results.json") },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const int = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1, got "${value}"`);
    return n;
  };
  const only = values.only.split(",").map((s) => s.trim());
  for (const s of only) if (!(SCENARIOS as readonly string[]).includes(s)) throw new Error(`--only: unknown scenario "${s}"`);
  if (values.fcm !== undefined && values.fcm !== "fake") throw new Error(`--fcm: only "fake" is known, got "${values.fcm}"`);
  return {
    runs: int("runs", values.runs),
    purgeRuns: int("purge-runs", values["purge-runs"]),
    calls: int("calls", values.calls),
    loadLimitMs: int("load-seconds", values["load-seconds"]) * 1000,
    importRows: int("import-rows", values["import-rows"]),
    only: new Set(only as Scenario[]),
    fcm: values.fcm as "fake" | undefined,
    out: resolve(values.out),
  };
}

/**
 * CONTRACT.md: at most two reads and one ledger write per device, plus a constant per shard. The
 * constants are what a shard costs in this design (claim, completion, the outcome check, its share
 * of planning and progress), with room for the progress writes whose number depends on timing;
 * the notification's own steps (accept, plan, outcome) count as one shard more.
 */
export const PER_SHARD = { reads: 16, writes: 8 } as const;
const readLimit = (devices: number, shards: number) => 2 * devices + PER_SHARD.reads * (shards + 1);
const writesLimit = (devices: number, shards: number) => devices + PER_SHARD.writes * (shards + 1);

function targets(r: Results): Target[] {
  const list: Target[] = [];
  for (const c of CONCURRENCIES) {
    const ratio = r.registration?.median.ratioP50[`c=${c}`];
    const target = `registration p50 / baseline p50, concurrency ${c}`;
    if (ratio === undefined) {
      list.push({ target, value: "not measured", limit: "<= 1.5x", met: undefined });
      continue;
    }
    // A p50 of the calls that survived says nothing when others failed: such a load does not pass.
    const problems = (["registerDevice", "benchBaseline"] as const).flatMap((fn) => {
      const loads = r.registration!.runs.map((run) => run.loads[`${fn} c=${c}`]!);
      const unfinished = loads.reduce((sum, s) => sum + s.errors + s.notStarted, 0);
      return unfinished ? [`${fn}: ${unfinished} of ${loads.length * r.registration!.callsPerLoad} calls failed or not started`] : [];
    });
    const unfinished = problems.length;
    const value = unfinished ? `${fmt(ratio)}x of completed calls, but ${problems.join("; ")}` : `${fmt(ratio)}x`;
    list.push({ target, value, limit: "<= 1.5x, all calls done", met: ratio <= 1.5 && unfinished === 0 });
  }
  const t = r.fanout?.ratio;
  list.push({ target: "fan-out T(1000) / T(1)", value: t === undefined ? "not measured" : fmt(t), limit: "<= 10", met: t === undefined ? undefined : t <= 10 });
  const p = r.purge?.ratio;
  list.push({
    target: "purge time, 20,000 vs 1,000 devices",
    value: p === undefined ? "not measured" : `${fmt(p)}x`,
    limit: "<= 1.5x",
    met: p === undefined ? undefined : p <= 1.5,
  });
  for (const s of r.operations?.median ?? []) {
    const writes = s.counts.writes - s.counts.writesByKind.outbox;
    const reads = readLimit(s.devices, s.shards);
    const writeLimit = writesLimit(s.devices, s.shards);
    list.push({
      target: `fan-out reads, k = ${s.devices} (${s.shards} shards)`,
      value: String(s.counts.reads),
      limit: `<= ${reads}`,
      met: s.counts.reads <= reads,
    });
    list.push({ target: `fan-out writes, k = ${s.devices} (${s.shards} shards)`, value: String(writes), limit: `<= ${writeLimit}`, met: writes <= writeLimit });
  }
  const b = r.broadcast;
  if (b) {
    list.push({ target: "broadcast T(100,000) / T(10,000)", value: fmt(b.ratio), limit: "<= 12", met: b.ratio <= 12 });
    list.push({ target: "broadcast peak worker RSS, 100,000 vs 10,000", value: `${fmt(b.rssRatio)}x`, limit: "<= 1.2x", met: b.rssRatio <= 1.2 });
    const planner = b.runs[b.runs.length - 1]!.plannerShardsPerSecond;
    list.push({
      target: "planner shards/s, 100,000 devices, vs the send queue's dispatch rate",
      value: `${planner} (${fmt(planner / SEND_DISPATCHES_PER_SECOND)}x; its query alone: ${b.floor.streamShardsPerSecond})`,
      limit: `>= ${5 * SEND_DISPATCHES_PER_SECOND} (5x)`,
      met: planner >= 5 * SEND_DISPATCHES_PER_SECOND,
    });
    for (const c of b.counted) {
      const writes = c.counts.writes - c.counts.writesByKind.outbox;
      list.push({
        target: `broadcast reads, ${c.devices} devices (${c.shards} shards)`,
        value: String(c.counts.reads),
        limit: `<= ${readLimit(c.devices, c.shards)}`,
        met: c.counts.reads <= readLimit(c.devices, c.shards),
      });
      list.push({
        target: `broadcast writes, ${c.devices} devices (${c.shards} shards)`,
        value: String(writes),
        limit: `<= ${writesLimit(c.devices, c.shards)}`,
        met: writes <= writesLimit(c.devices, c.shards),
      });
    }
  } else {
    list.push({ target: "broadcast T(100,000) / T(10,000)", value: "not measured", limit: "<= 12", met: undefined });
  }
  if (r.deletion) {
    list.push({
      target: "deleting a notification with 100,000 deliveries, inside the trigger's 540 s",
      value: `${fmt(r.deletion.seconds)} s`,
      limit: "< 540 s",
      met: r.deletion.seconds < 540,
    });
  }
  if (!r.operations)
    list.push({
      target: `fan-out reads <= 2k + ${PER_SHARD.reads}/shard, writes <= k + ${PER_SHARD.writes}/shard`,
      value: "not measured",
      limit: "",
      met: undefined,
    });
  return list;
}

/**
 * The floor (bench/floor.ts) beside the broadcast it follows: what the emulators take for the
 * Firestore work alone, and what the pipeline adds to it.
 */
function floorLines(b: BroadcastResult): string {
  const f = b.floor;
  const large = b.runs[b.runs.length - 1]!;
  const floorS = (f.streamMs + f.sendMs) / 1000;
  return (
    `Floor at ${f.devices} devices (the same database, no pipeline): the planner's query alone ${fmt(f.streamMs / 1000)} s ` +
    `(${f.streamShardsPerSecond} shards/s); each device read, its outbox message and its ledger entry written, 6 shards at once, ` +
    `${fmt(f.sendMs / 1000)} s; together ${fmt(floorS)} s. The broadcast: ${fmt(large.serverMs / 1000)} s (${fmt(large.serverMs / 1000 / floorS)}x the floor)`
  );
}

/** One row of the broadcast table. */
function broadcastRow(transport: string, x: BroadcastSample) {
  return [
    transport,
    x.devices,
    fmt(x.serverMs / 1000),
    x.devicesPerSecond,
    x.shards,
    x.plannerShardsPerSecond,
    fmt(x.sendShardsPerSecond),
    `${fmt(x.plannerShardsPerSecond / SEND_DISPATCHES_PER_SECOND)}x`,
    x.tasks,
    x.peakWorkerRssMiB,
    x.peakTotalRssMiB,
    x.workers,
  ];
}

function render(r: Results, list: Target[], runs: number, purgeRuns: number): string {
  let out = "";
  if (r.registration) {
    const m = r.registration.median;
    const rows = Object.entries(m.loads).map(([k, s]) => {
      const [fn, c] = k.split(" ");
      return { fn: fn!, c: Number(c!.slice(2)), s };
    });
    rows.sort((a, b) => a.c - b.c || a.fn.localeCompare(b.fn));
    out += section(
      `Registration: ${r.registration.callsPerLoad} calls per load, median of ${runs} runs (ms)`,
      table(
        ["callable", "concurrency", "p50", "p95", "calls/s", "completed", "failed (all runs)", "not started (all runs)"],
        rows.map(({ fn, c, s }) => [fn, c, s.p50, s.p95, s.callsPerSecond, s.calls, s.errors, s.notStarted]),
      ) +
        (r.registration.errorSamples.length ? `\nfailures, e.g.: ${r.registration.errorSamples.join(" | ")}` : "") +
        "\n" +
        "\n" +
        CONCURRENCIES.flatMap((c) =>
          [
            [`c=${c}`, "registerDevice (new device)"],
            [`refresh c=${c}`, "registerDevice-refresh (known device)"],
          ].map(
            ([k, label]) =>
              `${label} p50 / benchBaseline p50 at concurrency ${c}: ${fmt(m.ratioP50[k!]!)}x (per run: ${r.registration!.runs.map((x) => fmt(x.ratioP50[k!]!)).join(", ")})`,
          ),
        ).join("\n") +
        "\nThe targets use new devices, the costlier case; a refresh is what an app sends on every start.",
    );
  }
  if (r.fanout) {
    out += section(
      `Fan-out end to end (create notifications/{id} -> terminal status), median of ${runs} runs`,
      table(
        ["devices", "server ms", "observed ms", "ms/device"],
        r.fanout.median.map((s) => [s.devices, s.serverMs, Math.round(s.observedMs), s.msPerDevice]),
      ) + `\nT(1000) / T(1): ${fmt(r.fanout.ratio)} (per run: ${r.fanout.ratioPerRun.map(fmt).join(", ")})`,
    );
  }
  if (r.operations) {
    out += section(
      `Fan-out Firestore operations (the whole pipeline in process: trigger, planner and shard tasks, sandbox), median of ${runs} runs`,
      table(
        [
          "devices k",
          "shards",
          "reads",
          "reads/device",
          `limit 2k+${PER_SHARD.reads}(shards+1)`,
          "writes",
          "writes/device",
          `limit k+${PER_SHARD.writes}(shards+1)`,
          "deliveries",
          "shards+notification",
          "outbox (FCM stand-in)",
          "in-process ms",
        ],
        r.operations.median.map((s) => {
          const c = s.counts;
          const writes = c.writes - c.writesByKind.outbox;
          return [
            s.devices,
            s.shards,
            c.reads,
            fmt(c.reads / s.devices),
            readLimit(s.devices, s.shards),
            writes,
            fmt(writes / s.devices),
            writesLimit(s.devices, s.shards),
            c.writesByKind.deliveries,
            c.writesByKind.other,
            c.writesByKind.outbox,
            Math.round(s.ms),
          ];
        }),
      ) + (r.operations.deterministic ? "\nCounts were identical in every run." : "\nWARNING: counts differed between runs (see bench/results.json)."),
    );
  }
  if (r.registrationInProcess) {
    const x = r.registrationInProcess;
    out += section(
      `Registration in process (domain function, no Functions emulator), ${x.calls} calls one after another`,
      table(
        ["operation", "p50 ms", "queries", "reads", "writes"],
        [
          ["registerDevice transaction (new device)", x.registerP50, x.counts.queries, x.counts.reads, x.counts.writes],
          ["single set (what benchBaseline does)", x.setP50, x.setCounts.queries, x.setCounts.reads, x.setCounts.writes],
        ],
      ) + `\nratio: ${fmt(x.ratio)}x`,
    );
  }
  if (r.purge) {
    out += section(
      `Purge: ${DELETABLE} deletable devices, median of ${purgeRuns} runs after a warm-up`,
      table(
        ["devices in total", "median ms", "runs ms", "query ms (median)", "reads", "writes", "deleted"],
        r.purge.scenarios.map((s) => [
          s.total,
          Math.round(s.medianMs),
          s.runs.map((x) => x.ms.toFixed(0)).join(" "),
          Math.round(median(s.runs.map((x) => x.counts.queryMs))),
          s.runs[0]!.counts.reads,
          s.runs[0]!.counts.writes,
          s.runs[0]!.summary.deleted,
        ]),
      ) + `\nduration ratio 20,000 / 1,000: ${fmt(r.purge.ratio)}x`,
    );
  }
  if (r.broadcast) {
    const b = r.broadcast;
    out += section(
      "Broadcast through the emulators (trigger, planner and send tasks; the send queue paced at 20 shards/s)",
      table(
        [
          "transport",
          "devices",
          "seconds",
          "devices/s",
          "shards",
          "planner shards/s",
          "sent shards/s",
          "planner / send queue",
          "tasks enqueued",
          "peak worker RSS MiB",
          "peak RSS of all workers MiB",
          "workers",
        ],
        [...b.runs.map((x) => broadcastRow("sandbox", x)), ...(b.fake ? [broadcastRow("FCM fake (firebase-admin, HTTP/2)", b.fake)] : [])],
      ) +
        (b.fake
          ? `\nmessages/s at ${b.fake.devices}: sandbox ${b.runs[0]!.devicesPerSecond}, FCM fake ${b.fake.devicesPerSecond} (${fmt(b.fake.devicesPerSecond / b.runs[0]!.devicesPerSecond)}x)`
          : "") +
        `\nT(100,000) / T(10,000): ${fmt(b.ratio)}; peak worker RSS ratio: ${fmt(b.rssRatio)}x; the send queue dispatches ${SEND_DISPATCHES_PER_SECOND} shards/s\n` +
        floorLines(b) +
        "\n\n" +
        table(
          ["devices (in process)", "shards", "reads", "reads/device", "writes", "writes/device", "deliveries", "outbox (FCM stand-in)"],
          b.counted.map((c) => {
            const writes = c.counts.writes - c.counts.writesByKind.outbox;
            return [
              c.devices,
              c.shards,
              c.counts.reads,
              fmt(c.counts.reads / c.devices),
              writes,
              fmt(writes / c.devices),
              c.counts.writesByKind.deliveries,
              c.counts.writesByKind.outbox,
            ];
          }),
        ),
    );
  }
  if (r.deletion) {
    const d = r.deletion;
    out += section(
      "Deleting a notification (the deployed deletion trigger, shards first, then the rest at up to 5,000 deletes/s)",
      table(["deliveries", "shards", "seconds", "records/s"], [[d.deliveries, d.shards, fmt(d.seconds), d.recordsPerSecond]]),
    );
  }
  if (r.import) {
    out += section(
      "Import: CSV rows through npm run import's importer (registerDevice per row) into the Firestore emulator",
      table(
        ["pass", "rows", "seconds", "rows/s", "reads", "reads/row", "writes", "writes/row", "imported", "unchanged", "skipped"],
        r.import.passes.map((p) => [
          p.pass,
          p.rows,
          p.seconds,
          p.rowsPerSecond,
          p.reads,
          p.readsPerRow,
          p.writes,
          p.writesPerRow,
          p.imported,
          p.unchanged,
          p.skipped,
        ]),
      ),
    );
  }
  out += section(
    "Targets",
    table(
      ["target", "value", "limit", "result"],
      list.map((t) => [t.target, t.value, t.limit, t.met === undefined ? "-" : t.met ? "met" : "NOT MET"]),
    ),
  );
  return out;
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = options();
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  const emulators = await findEmulators();
  const db = getFirestore(initializeApp({ projectId: emulators.projectId }));
  installCounting(db);
  const startedAt = new Date();
  progress(
    `pushfan bench on ${cpus().length} cores (${cpus()[0]?.model ?? "unknown cpu"}), Node ${process.version}; runs ${opts.runs}, purge runs ${opts.purgeRuns}`,
  );

  const r: Results = {};
  if (opts.only.has("registration"))
    r.registration = await benchRegistration(db, emulators, { runs: opts.runs, calls: opts.calls, loadLimitMs: opts.loadLimitMs });
  if (opts.only.has("fanout")) r.fanout = await benchFanoutEndToEnd(db, { runs: opts.runs });
  if (opts.only.has("operations")) {
    r.operations = await benchFanoutOperations(db, { runs: opts.runs });
    r.registrationInProcess = await benchRegistrationInProcess(db, 50);
  }
  if (opts.only.has("purge")) r.purge = await benchPurge(db, { runs: opts.purgeRuns });
  if (opts.only.has("broadcast")) r.broadcast = await benchBroadcast(db, { fcm: opts.fcm });
  if (opts.only.has("deletion")) r.deletion = await benchDeletion(db);
  if (opts.only.has("import")) r.import = await benchImport(db, opts.importRows);

  const list = targets(r);
  process.stdout.write(render(r, list, opts.runs, opts.purgeRuns));
  const file = opts.out;
  mkdirSync(dirname(file), { recursive: true });
  const results = {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine: { cores: cpus().length, cpu: cpus()[0]?.model, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: process.platform },
    options: { runs: opts.runs, purgeRuns: opts.purgeRuns, calls: opts.calls, scenarios: [...opts.only] },
    targets: list,
    ...r,
  };
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  progress(`results written to ${file} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
