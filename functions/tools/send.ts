// `npm run send`: writes a notification document as an admin would (to the emulators, or to a real
// project with --project), waits for the fan-out with progress on stderr, prints each device's
// outcome. Flags and exit statuses: send-args.ts.
import { NOTIFICATIONS } from "../src/notifications/documents.js";
import { parseSendArgs, SEND_USAGE, type SendOptions } from "./send-args.js";
import { openFirestore, targetOf } from "./shared/target.js";
import { deliveriesTable, describeOutcome, isSuccessful, readDeliveries, waitForOutcome } from "./shared/notifications.js";

const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3 } as const;

async function send(options: SendOptions): Promise<number> {
  const target = targetOf(options.project, process.env);
  const db = await openFirestore(target);
  if (!db) return EXIT.failed;
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
