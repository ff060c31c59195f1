// `npm run bench -- --only import`: 100,000 CSV rows through `npm run import`'s importer (the
// registry's registerDevice, a chunk at a time) into the Firestore emulator, then the same file again
// (a rerun, every row already stored): rows per second and Firestore operations per row, counted.
import type { Firestore } from "firebase-admin/firestore";
import { deviceRef, tokenOwnerOf, userOf } from "../../src/devices/documents.js";
import { deviceIdOf } from "../../src/devices/registry.js";
import { importRows, type Summary } from "../import/importer.js";
import { fromCsv } from "../import/rows.js";
import { countOperations, type OperationCounts } from "./counting.js";
import { progress } from "./report.js";
import { deleteDocuments } from "./seed.js";

export const IMPORT_ROWS = 100_000;
const DEVICES_PER_USER = 4;

export interface ImportPass {
  pass: "first run" | "rerun";
  rows: number;
  seconds: number;
  rowsPerSecond: number;
  reads: number;
  writes: number;
  readsPerRow: number;
  writesPerRow: number;
  imported: number;
  unchanged: number;
  skipped: number;
}

export interface ImportResult {
  passes: ImportPass[];
}

function csvOf(rows: number): { text: string; uids: string[] } {
  const run = Date.now().toString(36);
  const lines = ["uid,token,type,name,topics"];
  const uids: string[] = [];
  for (let i = 0; i < rows; i++) {
    const uid = `bench-import-${run}-u${Math.floor(i / DEVICES_PER_USER)}`;
    if (i % DEVICES_PER_USER === 0) uids.push(uid);
    lines.push(`${uid},bench-import-${run}-token-${i}-${"x".repeat(120)},${["ios", "android", "web"][i % 3]},"Device ${i}",news`);
  }
  return { text: `${lines.join("\n")}\n`, uids };
}

function passOf(pass: ImportPass["pass"], rows: number, ms: number, counts: OperationCounts, summary: Summary): ImportPass {
  return {
    pass,
    rows,
    seconds: ms / 1000,
    rowsPerSecond: Math.round(rows / (ms / 1000)),
    reads: counts.reads,
    writes: counts.writes,
    readsPerRow: counts.reads / rows,
    writesPerRow: counts.writes / rows,
    imported: summary.imported,
    unchanged: summary.unchanged,
    skipped: summary.skipped.length,
  };
}

export async function benchImport(db: Firestore, rows = IMPORT_ROWS): Promise<ImportResult> {
  const { text, uids } = csvOf(rows);
  const passes: ImportPass[] = [];
  for (const pass of ["first run", "rerun"] as const) {
    progress(`import: ${rows.toLocaleString("en-US")} CSV rows, ${pass}`);
    let last = 0;
    const onProgress = (done: number, total: number) => {
      if (done - last < total / 10 && done !== total) return;
      progress(`import ${pass}: ${done}/${total} rows`);
      last = done;
    };
    const started = performance.now();
    const { result, counts } = await countOperations(() => importRows(db, fromCsv(text), { maxDevices: 20, dryRun: false, onProgress }));
    passes.push(passOf(pass, rows, performance.now() - started, counts, result));
  }
  progress("import: deleting what it wrote");
  const source = fromCsv(text);
  const refs = source.flatMap((r) => {
    const id = deviceIdOf(r.request.token as string);
    return [deviceRef(db, r.uid as string, id), tokenOwnerOf(db, id)];
  });
  await deleteDocuments(db, [...refs, ...uids.map((uid) => userOf(db, uid))]);
  return { passes };
}
