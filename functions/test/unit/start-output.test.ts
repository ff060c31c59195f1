// What `npm start` shows of firebase-tools' output (scripts/emulators.mjs): the lines that need no
// action are left out, everything else is kept as it came, colours included.
import { once } from "node:events";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";

const EMULATORS_SCRIPT = pathToFileURL(join(__dirname, "../../../scripts/emulators.mjs")).href;

async function filtered(lines: string[]): Promise<string[]> {
  const { withoutStartNoise } = await import(EMULATORS_SCRIPT);
  const input = new PassThrough();
  let text = "";
  const reader = withoutStartNoise(input, { write: (chunk: string) => (text += chunk) });
  input.end(`${lines.join("\n")}\n`);
  await once(reader, "close");
  return text.split("\n").slice(0, -1);
}

describe("npm start's output", () => {
  it("leaves out the offline jar override, the MOTD, the discovery port and the unscheduled purge", async () => {
    const kept = [
      "i  emulators: Starting emulators: auth, functions, firestore, hosting, tasks",
      '⚠  functions: The Cloud Functions emulator requires the module "firebase-admin" to be installed.',
      "",
      "pushfan is running on the Firebase emulators (project demo-pushfan).",
      "\u001b[33m⚠\u001b[39m  auth: a warning pushfan does not know stays",
    ];
    const noise = [
      "⚠  firestore: Env variable override detected. Using firestore emulator at /repo/.cache/firestore-emulator/launcher.jar",
      "\u001b[33m\u001b[1m⚠ \u001b[22m\u001b[39m firestore: Env variable override detected. Using firestore emulator at /x.jar",
      "⚠  Unable to fetch the CLI MOTD and remote config. This is not a fatal error, but may indicate an issue with your network connection.",
      "Serving at port 8152",
      "",
      "i  functions[us-central1-purgeInactiveDevices]: function ignored because the pubsub emulator does not exist or is not running.",
    ];
    expect(await filtered([kept[0]!, ...noise.slice(0, 3), kept[1]!, noise[3]!, noise[4]!, noise[5]!, ...kept.slice(2)])).toEqual(kept);
  });
});
