// `npm run purge`: runs the device purge now, against the emulators (default) or a real project
// (`--project <id>`, with Application Default Credentials), and prints its summary.
import { parseArgs } from "node:util";
import { purgeDevices } from "../src/purge/purge.js";
import { openFirestore, targetOf } from "./shared/target.js";

const USAGE = `usage: npm run purge -- [--project <id>] [--inactive-days 30] [--stale-days 60] [--budget-seconds 420]

Without --project it purges the emulators' database (project demo-pushfan, Firestore at
FIRESTORE_EMULATOR_HOST or 127.0.0.1:8080). With --project it uses Application Default
Credentials (gcloud auth application-default login) against that project.`;

function positiveInt(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a whole number of at least 1, got "${value}"`);
  return n;
}

async function main(): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        project: { type: "string" },
        "inactive-days": { type: "string" },
        "stale-days": { type: "string" },
        "budget-seconds": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  let options;
  try {
    options = {
      inactiveRetentionDays: positiveInt("inactive-days", values["inactive-days"], 30),
      staleDeviceDays: positiveInt("stale-days", values["stale-days"], 60),
      timeBudgetMs: positiveInt("budget-seconds", values["budget-seconds"], 420) * 1000,
    };
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const target = targetOf(values.project, process.env);
  const where = target.emulatorHost ? `the emulators (${target.emulatorHost}, ${target.projectId})` : `project ${target.projectId}`;
  console.error(`Purging devices in ${where}: inactive > ${options.inactiveRetentionDays} days, unseen > ${options.staleDeviceDays} days ...`);
  const db = await openFirestore(target);
  if (!db) return 1;
  const summary = await purgeDevices({ db }, options);
  // One line, easy to pick out of the structured logs the purge itself writes.
  console.log(`purge summary: ${JSON.stringify(summary)}`);
  if (!summary.complete) console.error(`Time budget reached: about ${summary.remaining} devices are left for the next run.`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(`purge failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
