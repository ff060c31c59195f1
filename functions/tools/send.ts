// `npm run send`: writes a notification document as an admin would (to the emulators, or to a real
// project with --project), waits for the fan-out with progress on stderr, prints each device's
// outcome. Flags and exit statuses: send-args.ts.
import { initializeApp } from "firebase-admin/app";
import { getFirestore } from "firebase-admin/firestore";
import { NOTIFICATIONS } from "../src/notifications/fanout.js";
import { parseSendArgs, SEND_USAGE, type SendOptions } from "./send-args.js";
import { deliveriesTable, describeOutcome, isSuccessful, readDeliveries, waitForOutcome } from "./shared/notifications.js";

const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3 } as const;
const DEFAULT_EMULATOR_HOST = "127.0.0.1:8080";
const DEFAULT_PROJECT = "demo-pushfan";

interface Target {
  projectId: string;
  /** host:port of the Firestore emulator; undefined for a real project. */
  emulatorHost?: string;
}

/**
 * The emulators unless --project names a real project. FIRESTORE_EMULATOR_HOST wins even then,
 * because firebase-admin always honours it; the tool says so instead of surprising anyone.
 */
function targetOf(project: string | undefined, env: NodeJS.ProcessEnv): Target {
  const emulatorHost = env.FIRESTORE_EMULATOR_HOST;
  if (emulatorHost) {
    if (project && !project.startsWith("demo-")) {
      console.error(`Note: FIRESTORE_EMULATOR_HOST=${emulatorHost} is set, so this goes to the emulator, not to the real ${project}.`);
      console.error("      Unset FIRESTORE_EMULATOR_HOST to reach the real project.");
    }
    return { projectId: project ?? env.GCLOUD_PROJECT ?? DEFAULT_PROJECT, emulatorHost };
  }
  if (project) return { projectId: project };
  return { projectId: env.GCLOUD_PROJECT ?? DEFAULT_PROJECT, emulatorHost: DEFAULT_EMULATOR_HOST };
}

/** Fails fast with the fix: against a stopped emulator the Firestore client would retry for minutes. */
async function emulatorReachable(host: string): Promise<boolean> {
  try {
    await fetch(`http://${host}/`, { signal: AbortSignal.timeout(3000) });
    return true;
  } catch {
    return false;
  }
}

async function send(options: SendOptions): Promise<number> {
  const target = targetOf(options.project, process.env);
  if (target.emulatorHost) {
    if (!(await emulatorReachable(target.emulatorHost))) {
      console.error(`Cannot reach the Firestore emulator at ${target.emulatorHost}.`);
      console.error("Start the emulators with `npm start` in another terminal, or pass --project <id> for a real project.");
      return EXIT.failed;
    }
    process.env.FIRESTORE_EMULATOR_HOST = target.emulatorHost;
    // Without credentials firebase-admin probes for a Google Cloud metadata server, and offline that
    // ends in a MetadataLookupWarning in the middle of the output. The emulator needs no credentials.
    process.env.METADATA_SERVER_DETECTION ||= "none";
  }

  const db = getFirestore(initializeApp({ projectId: target.projectId }));
  try {
    const ref = db.collection(NOTIFICATIONS).doc();
    try {
      await ref.set(options.notification);
    } catch (error) {
      console.error(`Could not write ${ref.path} in project ${target.projectId}: ${(error as Error).message}`);
      if (!target.emulatorHost) {
        console.error("Check `gcloud auth application-default login` and that the account may write to Firestore in this project.");
      }
      return EXIT.failed;
    }
    const where = target.emulatorHost ? `Firestore emulator ${target.emulatorHost}` : "Application Default Credentials";
    console.log(`Wrote ${ref.path} (project ${target.projectId}, ${where})`);

    const outcome = await waitForOutcome(ref, { timeoutMs: options.timeoutSeconds * 1000 });
    if (!outcome) {
      console.log(`No outcome after ${options.timeoutSeconds} s; the notification may still be delivered.`);
      console.log(`Look at ${ref.path} later, or wait longer with --timeout.`);
      return EXIT.timeout;
    }
    console.log(describeOutcome(outcome));
    if (outcome.status !== "invalid") {
      console.log("");
      console.log(deliveriesTable(await readDeliveries(ref)));
    }
    return isSuccessful(outcome.status) ? EXIT.ok : EXIT.failed;
  } finally {
    await db.terminate();
  }
}

async function main(argv: string[]): Promise<number> {
  const parsed = parseSendArgs(argv);
  if (!parsed.ok) {
    console.error(`send: ${parsed.error}\n\n${parsed.usage}`);
    return EXIT.usage;
  }
  if (parsed.value.help) {
    console.log(SEND_USAGE);
    return EXIT.ok;
  }
  return send(parsed.value);
}

main(process.argv.slice(2))
  .catch((error: unknown) => {
    console.error(`send: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  })
  .then((code) => {
    process.exitCode = code;
    // A read abandoned at --timeout can keep a connection open; it must not keep the tool running.
    setTimeout(() => process.exit(code), 5000).unref();
  });
