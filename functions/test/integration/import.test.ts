// `npm run import` (the compiled tool, as a child process) against the emulators: each format with
// hostile rows, devices stored exactly as registerDevice stores them, a rerun that writes nothing,
// and a run killed midway whose rerun imports the rest and nothing twice.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Timestamp } from "firebase-admin/firestore";
import { afterAll, describe, expect, it } from "vitest";
import { deleteDevicesOf } from "../../tools/bench/seed";
import { callFunction, createUser, db, uniqueId } from "../helpers/emulator";
import { expectRecordsInStep, sha256, tokenOwner } from "../helpers/notifications";

const TOOL = fileURLToPath(new URL("../../lib/tools/import.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "pushfan-import-"));
const users: string[] = [];

afterAll(async () => {
  await deleteDevicesOf(db, users);
}, 120_000);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the tool; `killWhen` kills it (SIGKILL, a crash) when stderr matches. */
function runImport(args: string[], killWhen?: RegExp): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [TOOL, ...args], { env: { ...process.env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => (stdout += chunk));
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
      if (killWhen?.test(stderr)) child.kill("SIGKILL");
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** The count in the summary table's row that starts with `label`. */
function count(stdout: string, label: string): number {
  const line = stdout.split("\n").find((l) => l.startsWith(label));
  if (!line) throw new Error(`no "${label}" row in:\n${stdout}`);
  return Number(line.slice(label.length).trim().split(/\s+/).at(-1)!.replace(/,/g, ""));
}

const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const uid = (prefix: string) => {
  const id = uniqueId(prefix);
  users.push(id);
  return id;
};

describe("npm run import -- --from csv", () => {
  it("imports valid rows through the registry, skips hostile ones with reasons, and a rerun writes nothing", async () => {
    const [a, b] = [uid("csv-a"), uid("csv-b")];
    const [t1, t2, t3] = [uniqueId("csv-t1"), uniqueId("csv-t2"), uniqueId("csv-t3")];
    const csv = file(
      "devices.csv",
      "\uFEFFuid,token,type,name,locale,timezone,topics\r\n" +
        `${a},${t1},iOS,"Ada's ""work"" phone, old",pt-BR,Europe/Lisbon,news sports\r\n` +
        `${a},${t2},android,,,,\r\n` +
        `${b},${t3},web,"Bob, the tablet",,,\r\n` +
        `${b},${uniqueId("t")},web,"two\nlines",,,\r\n` +
        `${b},,ios,,,,\r\n` +
        `${b},${"x".repeat(5000)},ios,,,,\r\n` +
        `${b},${uniqueId("t")},blackberry,,,,\r\n` +
        `bad/uid,${uniqueId("t")},ios,,,,\r\n` +
        `,${uniqueId("t")},ios,,,,\r\n`,
    );

    const first = await runImport(["--from", "csv", csv]);
    expect(first.code, first.stderr).toBe(0);
    expect(count(first.stdout, "imported (new)"), first.stdout).toBe(3);
    expect(count(first.stdout, "skipped")).toBe(6);
    expect(first.stdout).toMatch(/name: must not contain control characters\s+1/);
    // An empty cell is an omitted field (a row may name an FID instead, once devices have them).
    expect(first.stdout).toMatch(/token: is required: send exactly one of token \(FCM registration token\) and fid \(Firebase Installation ID\)\s+1/);
    expect(first.stdout).toMatch(/token: must be at most 4096 characters\s+1/);
    expect(first.stdout).toMatch(/type: must be one of ios, android, web\s+1/);
    expect(first.stdout).toMatch(/uid: cannot name a user document .*\s+1/);
    expect(first.stdout).toMatch(/uid: no user\s+1/);
    expect(first.stderr).toContain("Importing: 9/9 rows (100%)");

    const device = (await db.doc(`users/${a}/devices/${sha256(t1)}`).get()).data()!;
    expect(device).toMatchObject({
      token: t1,
      userId: a,
      type: "ios",
      name: 'Ada\'s "work" phone, old',
      locale: "pt-BR",
      timezone: "Europe/Lisbon",
      topics: ["news", "sports"],
      active: true,
    });
    expect(device.purgeShard).toBe(parseInt(sha256(t1)[0]!, 16));
    expect(device.lastSeenAt).toBeInstanceOf(Timestamp);
    expect((await db.doc(`users/${b}/devices/${sha256(t3)}`).get()).get("name")).toBe("Bob, the tablet");
    await expectRecordsInStep(a);
    await expectRecordsInStep(b);

    const skipped = readFileSync(`${csv}.skipped.csv`, "utf8");
    expect(skipped.split("\n")[0]).toBe("row,uid,reason");
    expect(
      skipped
        .trim()
        .split("\n")
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual(["4", "5", "6", "7", "8", "9"]);
    expect(skipped).not.toContain("x".repeat(100));

    const before = (await db.doc(`users/${a}/devices/${sha256(t1)}`).get()).updateTime!;
    const second = await runImport(["--from", "csv", csv]);
    expect(count(second.stdout, "imported (new)")).toBe(0);
    expect(count(second.stdout, "updated")).toBe(0);
    expect(count(second.stdout, "unchanged (already stored)")).toBe(3);
    expect((await db.doc(`users/${a}/devices/${sha256(t1)}`).get()).updateTime!.isEqual(before)).toBe(true);
  });

  it("--dry-run checks and compares, and writes nothing", async () => {
    const a = uid("dry");
    const token = uniqueId("dry-t");
    const csv = file("dry.csv", `uid,token,type\n${a},${token},web\n`);
    const run = await runImport(["--from", "csv", csv, "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    expect(count(run.stdout, "would import (new)")).toBe(1);
    expect((await db.doc(`users/${a}/devices/${sha256(token)}`).get()).exists).toBe(false);
  });

  it("a token listed for two users, and one already registered elsewhere, ends with one owner", async () => {
    const holder = await createUser({ prefix: "import-holder" });
    users.push(holder.uid);
    const [a, b] = [uid("dup-a"), uid("dup-b")];
    const [shared, registered] = [uniqueId("dup-shared"), uniqueId("dup-registered")];
    expect((await callFunction("registerDevice", { token: registered, type: "ios" }, holder.idToken)).status).toBe(200);
    const csv = file("dups.csv", `uid,token,type\n${a},${shared},ios\n${b},${shared},ios\n${b},${registered},ios\n`);

    const run = await runImport(["--from", "csv", csv]);
    expect(run.code, run.stderr).toBe(0);
    expect(count(run.stdout, "imported (new)")).toBe(2);
    expect(run.stdout).toMatch(/duplicate token \(a newer row imports it\)\s+1/);
    expect(run.stdout).toContain("tokens taken from other users: 1");
    expect(await tokenOwner(shared)).toBe(b);
    expect(await tokenOwner(registered)).toBe(b);
    expect((await db.doc(`users/${holder.uid}/devices/${sha256(registered)}`).get()).exists).toBe(false);
    expect((await db.doc(`users/${a}/devices/${sha256(shared)}`).get()).exists).toBe(false);
    for (const u of [b, holder.uid]) await expectRecordsInStep(u);
  });
});

describe("npm run import -- --from fcm-django", () => {
  it("reads a dumpdata JSON: types mapped, inactive devices kept as logged out, rows without a user skipped", async () => {
    const user = String(900_000 + Math.floor(Math.random() * 99_999));
    users.push(user);
    const [r1, r2] = [uniqueId("dj-1"), uniqueId("dj-2")];
    const dump = file(
      "fcmdevice.json",
      JSON.stringify([
        {
          model: "fcm_django.fcmdevice",
          pk: 1,
          fields: { registration_id: r1, type: "android", user_id: Number(user), active: true, date_created: "2024-01-02T03:04:05Z", name: "Pixel" },
        },
        {
          model: "fcm_django.fcmdevice",
          pk: 2,
          fields: { registration_id: r2, type: "IOS", user_id: Number(user), active: false, date_created: null, name: null },
        },
        { model: "fcm_django.fcmdevice", pk: 3, fields: { registration_id: uniqueId("dj-3"), type: "web", user_id: null, active: true } },
      ]),
    );
    const run = await runImport(["--from", "fcm-django", dump]);
    expect(run.code, run.stderr).toBe(0);
    expect(count(run.stdout, "imported (new)")).toBe(2);
    expect(run.stdout).toMatch(/uid: no user\s+1/);
    expect((await db.doc(`users/${user}/devices/${sha256(r1)}`).get()).data()).toMatchObject({ type: "android", name: "Pixel", active: true });
    expect((await db.doc(`users/${user}/devices/${sha256(r2)}`).get()).data()).toMatchObject({ type: "ios", active: false });
    await expectRecordsInStep(user);
  });
});

describe("npm run import -- --from flutterflow", () => {
  it("reads users/{uid}/fcm_tokens, leaves the originals untouched, and skips what has no user", async () => {
    const [a, b] = [uid("ff-a"), uid("ff-b")];
    const collection = uniqueId("fcm_tokens").replace(/-/g, "_");
    const [ta, tb] = [uniqueId("ff-ta"), uniqueId("ff-tb")];
    const originals = [
      db.doc(`users/${a}/${collection}/one`).set({ fcm_token: ta, device_type: "iOS", created_at: Timestamp.now() }),
      db.doc(`users/${b}/${collection}/two`).set({ fcm_token: tb, device_type: "Android", created_at: Timestamp.now() }),
      db.doc(`teams/x/${collection}/three`).set({ fcm_token: uniqueId("ff-team"), device_type: "Android" }),
      db.doc(`users/${b}/${collection}/four`).set({ fcm_token: "", device_type: "Android" }),
    ];
    await Promise.all(originals);

    const skippedFile = join(dir, "flutterflow-skipped.csv");
    const run = await runImport(["--from", "flutterflow", collection, "--skipped", skippedFile]);
    expect(run.code, run.stderr).toBe(0);
    expect(count(run.stdout, "imported (new)"), run.stdout).toBe(2);
    expect(count(run.stdout, "skipped")).toBe(2);
    expect((await db.doc(`users/${a}/devices/${sha256(ta)}`).get()).get("type")).toBe("ios");
    expect((await db.doc(`users/${b}/devices/${sha256(tb)}`).get()).get("type")).toBe("android");
    expect(readFileSync(skippedFile, "utf8")).toMatch(new RegExp(`^teams/x/${collection}/three,,uid: no user$`, "m"));
    expect((await db.doc(`users/${a}/${collection}/one`).get()).get("fcm_token")).toBe(ta);
    expect((await db.collectionGroup(collection).get()).size).toBe(4);
    await Promise.all([`users/${a}`, `users/${b}`, "teams/x"].map((p) => db.recursiveDelete(db.collection(`${p}/${collection}`))));
  });
});

describe("a crash midway", () => {
  it("a rerun imports the rest and nothing twice", async () => {
    const prefix = uniqueId("crash");
    const rows = Array.from({ length: 2000 }, (_, i) => ({ uid: `${prefix}-u${i % 400}`, token: `${prefix}-t${i}` }));
    users.push(...new Set(rows.map((r) => r.uid)));
    const csv = file("crash.csv", `uid,token,type\n${rows.map((r) => `${r.uid},${r.token},web`).join("\n")}\n`);

    const crashed = await runImport(["--from", "csv", csv], /\(10%\)/);
    expect(crashed.code).toBeNull(); // killed
    await new Promise((r) => setTimeout(r, 1000));
    const stored = (await db.collectionGroup("devices").where("token", ">=", `${prefix}-`).where("token", "<", `${prefix}.`).count().get()).data().count;
    expect(stored).toBeGreaterThan(0);
    expect(stored).toBeLessThan(2000);

    const rerun = await runImport(["--from", "csv", csv]);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(count(rerun.stdout, "unchanged (already stored)")).toBe(stored);
    expect(count(rerun.stdout, "imported (new)")).toBe(2000 - stored);
    for (const u of [`${prefix}-u0`, `${prefix}-u399`]) await expectRecordsInStep(u);
  }, 180_000);
});
