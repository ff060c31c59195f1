// `npm run import -- --from flutterflow|fcm-django|csv <file or collection>`: registers tokens a team
// already holds through the registry's own code (emulators by default, --project for a real one),
// with a progress bar, a summary and a file of the skipped rows. Rerunning it is safe (see importer.ts).
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { FieldPath, type Firestore, type QueryDocumentSnapshot } from "firebase-admin/firestore";
import { importRows, type Skipped, type Summary } from "./import/importer.js";
import { FORMATS, type Format, fromCsv, fromFcmDjango, fromFlutterFlow, SourceError, type SourceRow } from "./import/rows.js";
import { formatTable } from "./shared/output.js";
import { openFirestore, type Target, targetOf } from "./shared/target.js";

const FUNCTIONS_DIR = join(__dirname, "..", "..");
const EXIT = { ok: 0, failed: 1, usage: 2 } as const;

export const IMPORT_USAGE = `Usage: npm run import -- --from <format> <file or collection> [options]

Registers existing FCM tokens as pushfan devices, each through the same registry code as the
registerDevice callable (ownership, the per-user cap, owner records, the user's device index).
Safe to rerun: rows already stored as they say are left alone, so a rerun after a crash imports
the rest and a second run writes nothing.

Formats:
  --from csv <file>           header uid,token,type[,name,locale,timezone,topics] (any other
                              registerDevice field may be a column; topics separated by spaces or ;)
  --from fcm-django <file>    a JSON (plain or manage.py dumpdata) or CSV dump of fcm_django_fcmdevice:
                              registration_id, type, user_id, active, date_created, name
  --from flutterflow [name]   the fcm_tokens collection group of the target project
                              (users/{uid}/fcm_tokens/{id}: fcm_token, device_type, created_at);
                              the originals are left untouched
Options:
  --dry-run                   check every row and compare with what is stored; write nothing
  --project <id>              a real project (Application Default Credentials); default: the
                              emulators (FIRESTORE_EMULATOR_HOST, else 127.0.0.1:8080, demo-pushfan)
  --max-devices <n>           the MAX_DEVICES_PER_USER the functions use (default: from
                              functions/.env.<project> or .env.local, else 20)
  --skipped <file>            where the skipped rows go (default: <file>.skipped.csv, or
                              flutterflow-skipped.csv)
  -h, --help                  this text

Exit status: 0 done (skipped rows included), 1 the source or Firestore failed, 2 bad flags.`;

interface ImportArgs {
  format: Format;
  source: string;
  dryRun: boolean;
  project?: string;
  maxDevices?: number;
  skippedFile: string;
}

function parse(argv: string[]): ImportArgs | "help" {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: "string" },
      "dry-run": { type: "boolean", default: false },
      project: { type: "string" },
      "max-devices": { type: "string" },
      skipped: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) return "help";
  const format = values.from as Format;
  if (!FORMATS.includes(format)) throw new Error(`--from must be one of ${FORMATS.join(", ")}`);
  if (positionals.length > 1) throw new Error(`one source only, got: ${positionals.join(" ")}`);
  // npm runs scripts from the repository's root; a relative path means where the command was typed.
  const here = (path: string) => resolve(process.env.INIT_CWD ?? process.cwd(), path);
  const named = positionals[0] ?? (format === "flutterflow" ? "fcm_tokens" : "");
  if (named === "") throw new Error(`--from ${format} needs a file`);
  const source = format === "flutterflow" ? named : here(named);
  const maxDevices = values["max-devices"] === undefined ? undefined : Number(values["max-devices"]);
  if (maxDevices !== undefined && !(Number.isInteger(maxDevices) && maxDevices >= 1 && maxDevices <= 500))
    throw new Error("--max-devices must be a whole number from 1 to 500");
  const skippedFile = here(values.skipped ?? (format === "flutterflow" ? "flutterflow-skipped.csv" : `${source}.skipped.csv`));
  return { format, source, dryRun: values["dry-run"]!, project: values.project, maxDevices, skippedFile };
}

/** MAX_DEVICES_PER_USER as the target's functions see it. */
function maxDevicesOf(target: Target): number {
  const file = join(FUNCTIONS_DIR, target.emulatorHost ? ".env.local" : `.env.${target.projectId}`);
  const value = existsSync(file) ? /^MAX_DEVICES_PER_USER=(\d+)\s*$/m.exec(readFileSync(file, "utf8"))?.[1] : undefined;
  return value ? Number(value) : 20;
}

/** Every `fcm_tokens` document, a page at a time, in document order. */
async function flutterFlowRows(db: Firestore, collection: string): Promise<SourceRow[]> {
  const rows: SourceRow[] = [];
  let last: QueryDocumentSnapshot | undefined;
  for (;;) {
    let query = db.collectionGroup(collection).orderBy(FieldPath.documentId()).limit(1000);
    if (last) query = query.startAfter(last);
    const page = await query.get();
    for (const doc of page.docs) rows.push(fromFlutterFlow(doc.ref.path, doc.data()));
    if (page.size < 1000) return rows;
    last = page.docs.at(-1);
  }
}

async function readSource(db: Firestore, args: ImportArgs): Promise<SourceRow[]> {
  if (args.format === "flutterflow") return flutterFlowRows(db, args.source);
  if (!existsSync(args.source)) throw new SourceError(`no such file: ${args.source}`);
  const text = readFileSync(args.source, "utf8");
  return args.format === "csv" ? fromCsv(text) : fromFcmDjango(text);
}

/** `▕████░░░░▏ 1,250/5,000 rows` on a terminal; a line per 10% in a log. */
function progressBar(stream: NodeJS.WriteStream = process.stderr) {
  let lastTenth = -1;
  return (done: number, total: number) => {
    const share = total === 0 ? 1 : done / total;
    const count = (n: number) => n.toLocaleString("en-US");
    if (stream.isTTY) {
      const filled = Math.round(share * 24);
      stream.write(`\rImporting ▕${"█".repeat(filled)}${"░".repeat(24 - filled)}▏ ${count(done)}/${count(total)} rows\x1b[K${done === total ? "\n" : ""}`);
    } else if (Math.floor(share * 10) > lastTenth) {
      lastTenth = Math.floor(share * 10);
      stream.write(`Importing: ${count(done)}/${count(total)} rows (${lastTenth * 10}%)\n`);
    }
  };
}

const csvCell = (value: string) => (/[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value);

function writeSkipped(file: string, skipped: Skipped[]): void {
  const lines = ["row,uid,reason", ...skipped.map((s) => [s.row, s.uid, s.reason].map(csvCell).join(","))];
  writeFileSync(file, `${lines.join("\n")}\n`);
}

export function summaryTable(summary: Summary, dryRun: boolean): string {
  const count = (n: number) => n.toLocaleString("en-US");
  const kinds = new Map<string, number>();
  for (const s of summary.skipped) kinds.set(s.kind, (kinds.get(s.kind) ?? 0) + 1);
  const rows = [
    [dryRun ? "would import (new)" : "imported (new)", count(summary.imported)],
    [dryRun ? "would update" : "updated", count(summary.updated)],
    ["unchanged (already stored)", count(summary.unchanged)],
    ["skipped", count(summary.skipped.length)],
    ...[...kinds].sort((a, b) => b[1] - a[1]).map(([kind, n]) => [`  ${kind}`, count(n)]),
  ];
  const notes = dryRun ? [] : [`Devices evicted by the cap: ${count(summary.evicted)}; tokens taken from other users: ${count(summary.transferred)}.`];
  return [formatTable(["rows", "count"], rows), ...notes].join("\n");
}

async function run(args: ImportArgs): Promise<number> {
  const target = targetOf(args.project, process.env);
  const db = await openFirestore(target);
  if (!db) return EXIT.failed;
  const maxDevices = args.maxDevices ?? maxDevicesOf(target);
  const where = target.emulatorHost ? `Firestore emulator ${target.emulatorHost}` : "Application Default Credentials";
  console.log(
    `${args.dryRun ? "Checking" : "Importing"} ${args.format} ${basename(args.source)} into project ${target.projectId} (${where}), at most ${maxDevices} devices per user`,
  );
  const source = await readSource(db, args);
  const summary = await importRows(db, source, { maxDevices, dryRun: args.dryRun, onProgress: progressBar() });
  console.log(summaryTable(summary, args.dryRun));
  if (summary.skipped.length > 0) {
    writeSkipped(args.skippedFile, summary.skipped);
    console.log(`Skipped rows, with their reasons: ${args.skippedFile}`);
  }
  return EXIT.ok;
}

async function main(): Promise<number> {
  let args: ImportArgs | "help";
  try {
    args = parse(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${IMPORT_USAGE}`);
    return EXIT.usage;
  }
  if (args === "help") {
    console.log(IMPORT_USAGE);
    return EXIT.ok;
  }
  try {
    return await run(args);
  } catch (error) {
    console.error(error instanceof SourceError ? `Cannot import ${args.source}: ${error.message}` : `Import failed: ${(error as Error).message}`);
    return EXIT.failed;
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
