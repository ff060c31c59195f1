// Runs inside `firebase emulators:exec` for `npm start`: seeds the demo data, prints what a client
// needs, then keeps the emulators up until Ctrl-C.
//
// The emulators print function logs on the same terminal while the seed calls registerDevice, so
// the banner (URLs, demo accounts, the next command) is written once, as one block, after the seed:
// the seed's own output is captured and becomes part of it.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";

/**
 * How long to let the emulator print the seed's last function logs. It forwards a function's log
 * lines from the worker's stdout and the response from its socket; the two can arrive in either
 * order, so the last "Finished" line may trail the response by a few milliseconds.
 */
const SETTLE_MS = 300;

/** The banner: what runs where, the seed's accounts and devices, and what to do next. */
export function banner({ project, consoleUrl, functions, auth, firestore, ui, seed }) {
  const seedPart = seed.ok
    ? seed.stdout.trim()
    : `The demo data could not be seeded; the emulators keep running without it:\n${seed.stderr.trim() || "(no output)"}`;
  return `
pushfan is running on the Firebase emulators (project ${project}).

  Admin console               ${consoleUrl}
                              sign in as admin@pushfan.test / pushfan-admin
  registerDevice (callable)   ${functions}/registerDevice
  unregisterDevice (callable) ${functions}/unregisterDevice
  api (HTTPS)                 ${functions}/api/v1/devices
  Auth emulator               http://${auth}
  Firestore emulator          http://${firestore}
  Device purge (daily)        not scheduled here (the emulators have no Pub/Sub): npm run purge runs it
  Sweeper (every 5 minutes)   not scheduled here either: POST ${functions}/sweepNotifications-0 runs it
${ui ? `  Emulator UI                 ${ui}` : "  Emulator UI                 not started (it needs a download; offline it is left out)"}

Client SDKs: connectAuthEmulator(auth, "http://${auth}"),
             connectFunctionsEmulator(functions, "127.0.0.1", 5001),
             connectFirestoreEmulator(db, "${firestore.replace(/:\d+$/, "")}", ${firestore.replace(/^.*:/, "")}).

${seedPart}

Press Ctrl-C to stop.
`;
}

async function main() {
  // The seed is a compiled tool (functions/tools/seed.ts): it registers the demo devices through the
  // real registerDevice callable, so a broken registration shows up here, not later in a client.
  console.log("Seeding the demo data (two accounts, three devices through registerDevice)...");
  const seed = spawnSync(process.execPath, [fileURLToPath(new URL("../functions/lib/tools/seed.js", import.meta.url))], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
  await sleep(SETTLE_MS);

  const hosting = JSON.parse(readFileSync(new URL("../firebase.json", import.meta.url), "utf8")).emulators.hosting;
  const project = process.env.GCLOUD_PROJECT || "demo-pushfan";
  process.stdout.write(
    banner({
      project,
      consoleUrl: `http://${hosting.host}:${hosting.port}`,
      functions: `http://127.0.0.1:5001/${project}/us-central1`,
      auth: process.env.FIREBASE_AUTH_EMULATOR_HOST,
      firestore: process.env.FIRESTORE_EMULATOR_HOST,
      ui: process.env.PUSHFAN_UI_URL,
      seed: { ok: seed.status === 0, stdout: seed.stdout ?? "", stderr: seed.stderr || seed.error?.message || "" },
    }),
  );

  setInterval(() => {}, 1 << 30);
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => process.exit(0));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
