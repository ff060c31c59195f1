// The compiled command-line tools run as child processes against the running emulators, as a
// developer runs them: `npm run send` (exit statuses and output), the `npm start` seed, the demo.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { adminAuth, callFunction, createUser, db, uniqueId } from "../helpers/emulator";
import { fidDeviceId, seedDevices, sha256 } from "../helpers/notifications";

const TOOLS = fileURLToPath(new URL("../../lib/tools/", import.meta.url));
const IMAGE = "https://cdn.example.com/tools/banner.png";

interface ToolRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `lib/tools/<name>.js` on this Node with the emulator environment of the test run. */
function runTool(name: string, args: string[] = [], env: Record<string, string> = {}): Promise<ToolRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [`${TOOLS}${name}.js`, ...args], { env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => (stderr += chunk));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The notification id from the tool's "Wrote notifications/<id> (...)" line. */
function writtenId(stdout: string): string {
  const match = /^Wrote notifications\/(\S+) \(project demo-pushfan, Firestore emulator /m.exec(stdout);
  if (!match) throw new Error(`no "Wrote notifications/..." line in:\n${stdout}`);
  return match[1]!;
}

/** The table row of one device: its id prefix, then its kind of identifier, the user and the status. */
function rowOf(stdout: string, token: string): string | undefined {
  return stdout.split("\n").find((line) => line.startsWith(`${sha256(token).slice(0, 12)}…`));
}

describe("npm run send", () => {
  it("writes the document from the flags, waits, prints each device and exits 0 on sent", async () => {
    const user = await createUser({ prefix: "send" });
    const tokens = [uniqueId("send-ios"), uniqueId("send-web")];
    for (const [i, token] of tokens.entries()) {
      expect((await callFunction("registerDevice", { token, type: i === 0 ? "ios" : "web" }, user.idToken)).status).toBe(200);
    }

    const run = await runTool("send", [
      "--user",
      user.uid,
      "--title",
      "Tools test",
      "--body",
      "From the send tool",
      "--image",
      IMAGE,
      "--data",
      "promo=summer",
      "--data",
      "q=a=b",
      "--link",
      "https://shop.example.com/sale",
      "--timeout",
      "60",
    ]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Status: sent\n");
    expect(run.stdout).toContain("Stats: recipients 1, devices 2, sent 2, failed 0, removed 0, 1 attempt\n");
    for (const token of tokens) expect(rowOf(run.stdout, token)).toMatch(new RegExp(`^\\S+\\s+token\\s+${user.uid}\\s+sent$`));
    expect(run.stderr).toMatch(/Waiting for the fan-out .* sent \(\d+\.\d s\)/);

    const doc = (await db.doc(`notifications/${writtenId(run.stdout)}`).get()).data()!;
    expect(doc).toMatchObject({
      userId: user.uid,
      title: "Tools test",
      body: "From the send tool",
      imageUrl: IMAGE,
      data: { promo: "summer", q: "a=b" },
      link: "https://shop.example.com/sale",
      status: "sent",
    });
  });

  it("combines --user and --users into userIds; a dead token makes it partial, still exit 0", async () => {
    const [a, b] = [uniqueId("send-a"), uniqueId("send-b")];
    const good = uniqueId("good");
    const dead = uniqueId("sandbox-unregistered");
    await seedDevices([
      { uid: a, token: good },
      { uid: b, token: dead },
    ]);

    const run = await runTool("send", ["--user", a, "--users", b, "--title", "Two users"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Status: partial\n");
    expect(run.stdout).toContain("Stats: recipients 2, devices 2, sent 1, failed 0, removed 1, 1 attempt\n");
    expect(rowOf(run.stdout, good)).toMatch(new RegExp(`\\stoken\\s+${a}\\s+sent$`));
    expect(rowOf(run.stdout, dead)).toMatch(new RegExp(`\\stoken\\s+${b}\\s+removed\\s+messaging/registration-token-not-registered: `));
    const doc = (await db.doc(`notifications/${writtenId(run.stdout)}`).get()).data()!;
    expect(doc.userIds).toEqual([a, b]);
    expect(doc.userId).toBeUndefined();
  });

  it("shows each device's kind of identifier, never the identifier: FID devices as FID, a dead FID removed", async () => {
    const uid = uniqueId("send-fid");
    const [fid, dead, token] = [uniqueId("fid"), uniqueId("sandbox-unregistered-fid"), uniqueId("token")];
    await seedDevices([
      { uid, fid },
      { uid, fid: dead },
      { uid, token },
    ]);

    const run = await runTool("send", ["--user", uid, "--title", "By FID"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Stats: recipients 1, devices 3, sent 2, failed 0, removed 1, 1 attempt\n");
    const row = (deviceId: string) => run.stdout.split("\n").find((line) => line.startsWith(`${deviceId.slice(0, 12)}…`));
    expect(row(fidDeviceId(fid))).toMatch(new RegExp(`^\\S+\\s+FID\\s+${uid}\\s+sent$`));
    expect(row(fidDeviceId(dead))).toMatch(new RegExp(`^\\S+\\s+FID\\s+${uid}\\s+removed\\s+messaging/installation-id-not-registered: `));
    expect(row(sha256(token))).toMatch(new RegExp(`^\\S+\\s+token\\s+${uid}\\s+sent$`));
    for (const identifier of [fid, dead, token]) expect(run.stdout).not.toContain(identifier);
  });

  it("exits 1 on invalid and prints every problem with its field", async () => {
    const run = await runTool("send", ["--user", uniqueId("send-invalid"), "--title", "Bad image", "--image", "http://cdn.example.com/a.png"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Status: invalid\n");
    expect(run.stdout).toContain("Error: invalid-argument: Invalid notification: imageUrl: must be an https:// URL\n");
    expect(run.stdout).toContain("\n  imageUrl: must be an https:// URL");
    expect(run.stdout).not.toContain("DEVICE");
  });

  it("exits 1 on failed and prints FCM's error", async () => {
    const uid = uniqueId("send-failed");
    const token = uniqueId("sandbox-auth-error");
    await seedDevices([{ uid, token }]);

    const run = await runTool("send", ["--user", uid, "--title", "Bad credentials"]);

    expect(run.code).toBe(1);
    expect(run.stdout).toContain("Status: failed\n");
    expect(run.stdout).toMatch(/^Error: messaging\/third-party-auth-error: FCM rejected the project's credentials/m);
    expect(rowOf(run.stdout, token)).toMatch(/\sfailed\s+messaging\/third-party-auth-error: /);
  });

  it("exits 0 on no-devices and says why nothing was sent", async () => {
    const run = await runTool("send", ["--user", uniqueId("send-nobody"), "--title", "Anyone?"]);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain("Status: no-devices\n");
    expect(run.stdout).toContain("No active device in the audience");
  });

  it("--topic with --platforms: shows it processing, then the outcome without recipients", async () => {
    const topic = uniqueId("send-topic");
    const base = uniqueId("send-t");
    await seedDevices(
      Array.from({ length: 600 }, (_, i) => ({
        uid: `${base}-u${i % 50}`,
        token: `${base}-${i}`,
        type: (["ios", "android", "web"] as const)[i % 3],
        topics: [topic],
      })),
    );
    const run = await runTool("send", ["--topic", topic, "--platforms", "ios,web", "--title", "Topic", "--timeout", "90"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Status: sent\n");
    expect(run.stdout).toContain("Stats: devices 400, sent 400, failed 0, removed 0, 1 attempt\n");
    // How the progress reads is unit-tested (send-output.test.ts): whether a 2-shard send lasts
    // long enough for a progress write is up to the clock.
    expect(run.stderr).toMatch(/ processing .* sent \(\d+\.\d s\)/);
    expect(run.stdout).toContain("… and 350 more");
    const doc = (await db.doc(`notifications/${writtenId(run.stdout)}`).get()).data()!;
    expect(doc).toMatchObject({ topic, platforms: ["ios", "web"], title: "Topic" });
  }, 120_000);

  it("--at schedules it: prints when it is due and how to cancel it; --cancel stops it", async () => {
    const uid = uniqueId("send-at");
    await seedDevices([{ uid, token: `${uid}-t` }]);
    const at = new Date(Date.now() + 3 * 3_600_000);
    const run = await runTool("send", ["--user", uid, "--title", "Later", "--at", at.toISOString()]);
    expect(run.code, run.stderr).toBe(0);
    const id = writtenId(run.stdout);
    expect(run.stdout).toContain(`Status: scheduled, due ${at.toISOString()} (in 2 h 59 min)`);
    expect(run.stdout).toContain(`Cancel it with: npm run send -- --cancel ${id}`);
    expect((await db.doc(`notifications/${id}`).get()).get("sendAt").toMillis()).toBe(at.getTime());

    const cancelled = await runTool("send", ["--cancel", id]);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toContain("Status: cancelled\n");
    const again = await runTool("send", ["--cancel", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain("has already ended (status cancelled); there is nothing to cancel.");
  });

  it("--local-time schedules it for each device's own clock", async () => {
    const run = await runTool("send", [
      "--broadcast",
      "--platforms",
      "web",
      "--title",
      "Morning",
      "--local-time",
      "09:00",
      "--at",
      new Date(Date.now() + 86_400_000).toISOString(),
      "--dry-run",
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Status: scheduled, due \S+ \(in 2[34] h \d+ min\); then at 09:00 on each device's own clock, within 24 hours/);
    await runTool("send", ["--cancel", writtenId(run.stdout)]);
  });

  it("exits 2 with the usage on bad flags, before writing anything", async () => {
    const unknown = await runTool("send", ["--user", "u1", "--title", "T", "--bogus", "1"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("send: unknown flag --bogus\n\nUsage: npm run send -- --user <uid> --title <text>");
    expect(unknown.stdout).toBe("");

    const noTitle = await runTool("send", ["--user", "u1"]);
    expect(noTitle.code).toBe(2);
    expect(noTitle.stderr).toContain("send: --title is required");
    expect(noTitle.stdout).toBe("");
  });

  it("prints the usage on stdout and exits 0 for --help", async () => {
    const run = await runTool("send", ["--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Usage: npm run send/);
  });

  it("exits 1 with the fix when the Firestore emulator cannot be reached", async () => {
    const run = await runTool("send", ["--user", "u1", "--title", "T"], { FIRESTORE_EMULATOR_HOST: "127.0.0.1:1" });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Cannot reach the Firestore emulator at 127.0.0.1:1.");
    expect(run.stderr).toContain("npm start");
  });
});

describe("the npm start seed", () => {
  it("seeds the admin, the demo user and three devices, and running it again changes nothing", async () => {
    const first = await runTool("seed");
    expect(first.code).toBe(0);
    const second = await runTool("seed");
    expect(second.code).toBe(0);

    for (const run of [first, second]) {
      expect(run.stdout).toMatch(/admin \(claim admin: true\)\s+admin@pushfan\.test\s+pushfan-admin\s+demo-admin/);
      expect(run.stdout).toMatch(/demo user\s+demo@pushfan\.test\s+pushfan-demo\s+demo-user/);
      expect(run.stdout).toContain('npm run send -- --user demo-user --title "Hello" --image https://');
    }
    expect(second.stdout.match(/already there, refreshed/g)).toHaveLength(3);

    const devices = await db.collection("users/demo-user/devices").get();
    expect(devices.docs.map((d) => d.get("type")).sort()).toEqual(["android", "ios", "web"]);
    expect(devices.docs.every((d) => d.get("active") === true && d.get("userId") === "demo-user")).toBe(true);
    expect((await adminAuth.getUserByEmail("admin@pushfan.test")).customClaims).toEqual({ admin: true });
    expect((await adminAuth.getUserByEmail("demo@pushfan.test")).customClaims ?? {}).toEqual({});
  });
});

describe("the npm start session", () => {
  /** Runs scripts/dev-session.mjs (what npm start runs inside the emulators) until its banner ends. */
  function runSession(): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [fileURLToPath(new URL("../../../scripts/dev-session.mjs", import.meta.url))], {
        env: { ...process.env, PUSHFAN_UI_URL: "" },
      });
      let stdout = "";
      child.stdout.on("data", (chunk) => {
        stdout += chunk;
        if (stdout.includes("Press Ctrl-C to stop.")) child.kill("SIGINT");
      });
      child.on("error", reject);
      child.on("close", () => resolve(stdout));
    });
  }

  it("prints one banner after the seed: URLs, demo accounts, devices, the next command, in that order", async () => {
    const stdout = await runSession();
    const [seeding, ...rest] = stdout.split("\n");
    expect(seeding).toBe("Seeding the demo data (two accounts, three devices through registerDevice)...");
    const banner = rest.join("\n");
    const order = [
      "pushfan is running on the Firebase emulators (project demo-pushfan).",
      "Admin console               http://127.0.0.1:5002",
      "registerDevice (callable)   http://127.0.0.1:5001/demo-pushfan/us-central1/registerDevice",
      "Sweeper (every 5 minutes)   not scheduled here either: POST http://127.0.0.1:5001/demo-pushfan/us-central1/sweepNotifications-0",
      "Emulator UI                 not started",
      'connectFirestoreEmulator(db, "127.0.0.1", 8080)',
      "Demo accounts (Auth emulator; sign in with email and password):",
      "admin (claim admin: true)",
      "The demo user's sandbox devices (registered through registerDevice):",
      'npm run send -- --user demo-user --title "Hello"',
      "Press Ctrl-C to stop.",
    ];
    const positions = order.map((text) => banner.indexOf(text));
    expect(
      positions.every((p) => p >= 0),
      `missing from:\n${banner}`,
    ).toBe(true);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(banner).not.toMatch(/could not be seeded|warn/i);
  });
});

describe("npm run demo", () => {
  it("walks through sign-up, registration, a send, dead-token removal, a topic send and the purge, and exits 0", async () => {
    const run = await runTool("demo");

    expect(run.stderr).not.toContain("Demo failed");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^\s+Old tablet\s+Android\s+removed \(messaging\/registration-token-not-registered\)$/m);
    for (const name of ["Ada's iPhone", "Ada's Pixel", "Firefox on Ada's laptop"]) {
      expect(run.stdout).toMatch(new RegExp(`^\\s+${name}\\s+(iOS|Android|web)\\s+sent$`, "m"));
    }
    expect(run.stdout).toContain("status partial: 3 sent, 1 removed, 0 failed of 4 devices");
    expect(run.stdout).toContain('"Old tablet" was deleted when FCM reported its token unregistered.');
    expect(run.stdout).toMatch(/^\s+complete\s+true$/m);
    expect(run.stdout).toContain("Devices left: Ada's iPhone (iOS)\n");
    expect(run.stdout).toMatch(/^\s+Ada's Pixel\s+Android\s+not in the audience \(android\)$/m);
    expect(run.stdout).toContain("Done: every step behaved as the contract says.");
    expect(run.stderr).toMatch(/waiting for the fan-out: .* partial \(\d+\.\d s\)/);
  }, 120_000);
});

// Timings are never asserted (the machines are noisy); what the bench counts is exact.
describe("npm run bench", () => {
  it("runs the operations scenario against the emulators, prints its tables, writes --out, and counts at most 2 reads and 1 write per device plus a constant per shard", async () => {
    const out = join(mkdtempSync(join(tmpdir(), "pushfan-bench-")), "results.json");
    const run = await runTool("bench", ["--only", "operations", "--runs", "1", "--out", out]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain("Fan-out Firestore operations");
    expect(run.stdout).toContain("Registration in process");
    expect(run.stderr).toContain(`results written to ${out}`);

    const results = JSON.parse(readFileSync(out, "utf8"));
    type Sample = { devices: number; shards: number; counts: { reads: number; writes: number; writesByKind: { outbox: number; deliveries: number } } };
    const samples: Sample[] = results.operations.median;
    // 250-device shards: up to 250 devices the trigger sends the one shard itself.
    expect(samples.map((s) => [s.devices, s.shards])).toEqual([
      [1, 1],
      [10, 1],
      [100, 1],
      [500, 2],
      [1000, 4],
    ]);
    for (const s of samples) {
      const writes = s.counts.writes - s.counts.writesByKind.outbox;
      expect(s.counts.writesByKind.deliveries, `deliveries, k = ${s.devices}`).toBe(s.devices);
      expect(s.counts.writesByKind.outbox, `sandbox messages, k = ${s.devices}`).toBe(s.devices);
      // One shard in the trigger's own invocation costs the same whatever its size (no timing involved).
      // (15: recipient control's `stats.skipped` is summed by a query of its own when the outcome is written.)
      if (s.shards === 1) expect([s.counts.reads, writes], `k = ${s.devices}`).toEqual([2 * s.devices + 15, s.devices + 7]);
      // Per shard at most 16 reads and 8 writes, the notification's own steps counting as one shard more.
      expect(s.counts.reads).toBeLessThanOrEqual(2 * s.devices + 16 * (s.shards + 1));
      expect(writes).toBeLessThanOrEqual(s.devices + 8 * (s.shards + 1));
    }
    const operationTargets = results.targets.filter((t: { target: string }) => /^fan-out (reads|writes), k = /.test(t.target));
    expect(operationTargets).toHaveLength(10);
    expect(operationTargets.filter((t: { met: boolean }) => t.met !== true)).toEqual([]);
    // The device, the index, the owner record and the user's preferences (copied onto a new device).
    expect(results.registrationInProcess.counts).toMatchObject({ queries: 0, reads: 4 });
  }, 240_000);
});
