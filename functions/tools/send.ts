// `npm run send`: writes a notification document as an admin would (to the emulators, or to a real
// project with --project), waits for the fan-out with progress on stderr, prints each device's
// outcome; or cancels one (--cancel). Flags and exit statuses: send-args.ts.
import { readFileSync } from "node:fs";
import { type Firestore, Timestamp } from "firebase-admin/firestore";
import { isTerminal, NOTIFICATIONS } from "../src/notifications/documents.js";
import { type CancelOptions, parseSendArgs, readTranslations, SEND_USAGE, type SendOptions } from "./send-args.js";
import { deliveriesTable, describeOutcome, describeSchedule, isSuccessful, readDeliveries, type Settled, waitForOutcome } from "./shared/notifications.js";
import { openFirestore, type Target, targetOf } from "./shared/target.js";

const EXIT = { ok: 0, failed: 1, usage: 2, timeout: 3 } as const;

async function send(db: Firestore, target: Target, options: SendOptions): Promise<number> {
  const ref = db.collection(NOTIFICATIONS).doc();
  const doc = options.sendAt ? { ...options.notification, sendAt: Timestamp.fromDate(options.sendAt) } : options.notification;
  try {
    await ref.set(doc);
  } catch (error) {
    console.error(`Could not write ${ref.path} in project ${target.projectId}: ${(error as Error).message}`);
    if (!target.emulatorHost) {
      console.error("Check `gcloud auth application-default login` and that the account may write to Firestore in this project.");
    }
    return EXIT.failed;
  }
  const where = target.emulatorHost ? `Firestore emulator ${target.emulatorHost}` : "Application Default Credentials";
  console.log(`Wrote ${ref.path} (project ${target.projectId}, ${where})`);
  const outcome = await waitForOutcome(ref, { timeoutMs: options.timeoutSeconds * 1000, untilScheduled: true });
  return report(ref.id, outcome, options.timeoutSeconds, () => readDeliveries(ref));
}

async function cancel(db: Firestore, options: CancelOptions): Promise<number> {
  const ref = db.collection(NOTIFICATIONS).doc(options.notificationId);
  const snap = await ref.get();
  if (!snap.exists) {
    console.error(`There is no ${ref.path} to cancel.`);
    return EXIT.failed;
  }
  if (isTerminal(snap.get("status"))) {
    console.error(`${ref.path} has already ended (status ${snap.get("status")}); there is nothing to cancel.`);
    return EXIT.failed;
  }
  await ref.update({ cancelled: true });
  console.log(`Cancelled ${ref.path}; waiting for it to stop.`);
  const outcome = await waitForOutcome(ref, { timeoutMs: options.timeoutSeconds * 1000, label: "Stopping" });
  return report(ref.id, outcome, options.timeoutSeconds, () => readDeliveries(ref));
}

async function report(id: string, outcome: Settled | undefined, timeoutSeconds: number, deliveries: () => ReturnType<typeof readDeliveries>): Promise<number> {
  if (!outcome) {
    console.log(`No outcome after ${timeoutSeconds} s; the notification may still be delivered.`);
    console.log(`Look at notifications/${id} later, or wait longer with --timeout.`);
    return EXIT.timeout;
  }
  if (outcome.status === "scheduled") {
    console.log(describeSchedule(outcome, Date.now()));
    console.log(`Cancel it with: npm run send -- --cancel ${id}`);
    return EXIT.ok;
  }
  console.log(describeOutcome(outcome));
  if (outcome.status !== "invalid") {
    console.log("");
    console.log(deliveriesTable(await deliveries()));
  }
  return isSuccessful(outcome.status) ? EXIT.ok : EXIT.failed;
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
  const options = parsed.value;
  if (options.mode === "send" && options.translationsFile !== undefined) {
    const translations = readTranslations(options.translationsFile, (path) => readFileSync(path, "utf8"));
    if (!translations.ok) {
      console.error(`send: ${translations.error}`);
      return EXIT.usage;
    }
    options.notification.translations = translations.value;
  }
  const target = targetOf(options.project, process.env);
  const db = await openFirestore(target);
  if (!db) return EXIT.failed;
  try {
    return options.mode === "cancel" ? await cancel(db, options) : await send(db, target, options);
  } finally {
    await db.terminate();
  }
}

void main(process.argv.slice(2))
  .catch((error: unknown) => {
    console.error(`send: ${error instanceof Error ? error.message : String(error)}`);
    return EXIT.failed;
  })
  .then((code) => {
    process.exitCode = code;
    // A read abandoned at --timeout can keep a connection open; it must not keep the tool running.
    setTimeout(() => process.exit(code), 5000).unref();
  });
