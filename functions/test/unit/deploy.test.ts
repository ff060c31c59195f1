// What `firebase deploy` would get, without deploying: the functions' manifest generated exactly as
// the CLI does (firebase-functions' own bin, with no emulator variable set), the files it would
// upload, and the packages the deployed code needs. The proof that a deploy gets what the README
// promises. Needs the build (`npm test` and `npm run test:unit` build first).
import { readdirSync, readFileSync, statSync } from "node:fs";
import { builtinModules } from "node:module";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { SEND_DISPATCHES_PER_SECOND, STALL_MS, WAKE_PLAN_BUDGET_MS } from "../../src/notifications/pipeline";
import { generateManifest, type Manifest } from "../../tools/shared/manifest";

const FUNCTIONS_DIR = fileURLToPath(new URL("../..", import.meta.url));
const ROOT = join(FUNCTIONS_DIR, "..");
const firebaseJson = JSON.parse(readFileSync(join(ROOT, "firebase.json"), "utf8"));
const pkg = JSON.parse(readFileSync(join(FUNCTIONS_DIR, "package.json"), "utf8"));

let manifest: Manifest;
let stderr: string;

beforeAll(() => {
  // Only what the CLI's discovery has: no emulator host, no FUNCTIONS_EMULATOR (tools/shared/manifest.ts).
  ({ manifest, output: stderr } = generateManifest(FUNCTIONS_DIR));
}, 60_000);

const v2 = { platform: "gcfv2", region: ["us-central1"], maxInstances: 20 };

describe("the deploy manifest", () => {
  it("declares exactly the product's functions, nothing from tests or the bench", () => {
    expect(Object.keys(manifest.endpoints).sort()).toEqual(
      [
        "api",
        "cancelNotification",
        "deleteNotificationRecords",
        "deleteUserDevices",
        "fanOutNotification",
        "lookupUser",
        "getNotificationPreferences",
        "setNotificationPreferences",
        "planNotification",
        "purgeInactiveDevices",
        "refreshEngagement",
        "registerDevice",
        "reportEvent",
        "sendNotificationShard",
        "settleNotification",
        "sweepNotifications",
        "unregisterDevice",
        "updateInbox",
        "wakeNotification",
      ].sort(),
    );
  });

  it("loads without a warning (no deploy-time param .value(), e.g. ENFORCE_APP_CHECK)", () => {
    expect(stderr).not.toMatch(/warn|value\(\) invoked/i);
  });

  it("callables and the api: us-central1, platform defaults for memory and timeout", () => {
    for (const name of ["registerDevice", "unregisterDevice", "lookupUser", "setNotificationPreferences", "getNotificationPreferences"])
      expect(manifest.endpoints[name]).toMatchObject({ ...v2, callableTrigger: {}, availableMemoryMb: null, timeoutSeconds: null });
    expect(manifest.endpoints.api).toMatchObject({ ...v2, httpsTrigger: {}, availableMemoryMb: null, timeoutSeconds: null });
  });

  it("Firestore triggers on notifications/{id}: creation (retried), cancellation (retried), deletion (retried)", () => {
    const trigger = (type: string) => ({
      eventType: `google.cloud.firestore.document.v1.${type}`,
      eventFilters: { database: "(default)", namespace: "(default)" },
      eventFilterPathPatterns: { document: "notifications/{notificationId}" },
      retry: true,
    });
    expect(manifest.endpoints.fanOutNotification).toMatchObject({ ...v2, availableMemoryMb: 512, timeoutSeconds: 300, eventTrigger: trigger("created") });
    expect(manifest.endpoints.cancelNotification).toMatchObject({ ...v2, timeoutSeconds: 60, eventTrigger: trigger("updated") });
    expect(manifest.endpoints.deleteNotificationRecords).toMatchObject({ ...v2, timeoutSeconds: 540, eventTrigger: trigger("deleted") });
  });

  it("task queues: the planner and the shard sender, with their retry config and rate limits", () => {
    expect(manifest.endpoints.planNotification).toMatchObject({
      ...v2,
      availableMemoryMb: 1024,
      timeoutSeconds: 540,
      taskQueueTrigger: {
        retryConfig: { maxAttempts: 10, minBackoffSeconds: 5, maxBackoffSeconds: 900, maxDoublings: 8 },
        rateLimits: { maxConcurrentDispatches: 10, maxDispatchesPerSecond: 50 },
      },
    });
    expect(manifest.endpoints.sendNotificationShard).toMatchObject({
      ...v2,
      availableMemoryMb: 512,
      timeoutSeconds: 300,
      taskQueueTrigger: {
        retryConfig: { maxAttempts: 10, minBackoffSeconds: 5, maxBackoffSeconds: 600, maxDoublings: 7 },
        // 20 shards a second; FCM_MESSAGES_PER_MINUTE sets how many devices a shard holds.
        rateLimits: { maxConcurrentDispatches: "{{ params.SEND_MAX_CONCURRENT_SHARDS }}", maxDispatchesPerSecond: SEND_DISPATCHES_PER_SECOND },
      },
    });
    expect(SEND_DISPATCHES_PER_SECOND).toBe(20);
    // Scheduled notifications wake on a queue of their own, whose tasks plan for at most a minute.
    expect(manifest.endpoints.wakeNotification).toMatchObject({
      ...v2,
      timeoutSeconds: 120,
      taskQueueTrigger: { rateLimits: { maxConcurrentDispatches: 100, maxDispatchesPerSecond: 50 } },
    });
    expect(WAKE_PLAN_BUDGET_MS).toBeLessThan(120_000 - 30_000);
    // A large notification's outcome check, once a second (outcome.ts): short, retried briefly, then the sweeper's.
    expect(manifest.endpoints.settleNotification).toMatchObject({
      ...v2,
      timeoutSeconds: 60,
      taskQueueTrigger: { retryConfig: { maxAttempts: 3 }, rateLimits: { maxConcurrentDispatches: 3, maxDispatchesPerSecond: 50 } },
    });
    // Retries back off past the leases (timeout + 60 s), so a retried task does not spin on a crashed run's lease.
    expect(manifest.endpoints.sendNotificationShard.taskQueueTrigger.retryConfig.maxBackoffSeconds).toBeGreaterThan(300 + 60);
    expect(manifest.endpoints.planNotification.taskQueueTrigger.retryConfig.maxBackoffSeconds).toBeGreaterThan(540 + 60);
  });

  it("the purge runs on PURGE_SCHEDULE in PURGE_TIME_ZONE, retried once", () => {
    expect(manifest.endpoints.purgeInactiveDevices).toMatchObject({
      ...v2,
      timeoutSeconds: 540,
      scheduleTrigger: { schedule: "{{ params.PURGE_SCHEDULE }}", timeZone: "{{ params.PURGE_TIME_ZONE }}", retryConfig: { retryCount: 1 } },
    });
  });

  it("deleting an Auth user deletes their devices (a v1 Auth trigger: v2 has none for deletion)", () => {
    expect(manifest.endpoints.deleteUserDevices).toMatchObject({
      platform: "gcfv1",
      region: ["us-central1"],
      // Retried until it succeeds: a deleted user's devices must not keep receiving broadcasts.
      eventTrigger: { eventType: "providers/firebase.auth/eventTypes/user.delete", retry: true },
    });
  });

  it("the sweeper runs every 5 minutes, so a stalled notification is found within STALL_MS + 5 minutes", () => {
    expect(manifest.endpoints.sweepNotifications).toMatchObject({ ...v2, timeoutSeconds: 300, scheduleTrigger: { schedule: "every 5 minutes" } });
    expect(STALL_MS + 5 * 60_000).toBeLessThanOrEqual(15 * 60_000);
  });

  it("declares every param with its type, default and a description", () => {
    const params = Object.fromEntries(manifest.params.map((p) => [p.name, [p.type, p.default]]));
    expect(params).toEqual({
      MAX_DEVICES_PER_USER: ["int", 20],
      MESSAGING_TRANSPORT: ["string", "auto"],
      SEND_MAX_ATTEMPTS: ["int", 5],
      SEND_BACKOFF_BASE_MS: ["int", 1000],
      SEND_BACKOFF_MAX_MS: ["int", 30000],
      NOTIFICATION_MAX_EVENT_AGE_SECONDS: ["int", 3600],
      FCM_MESSAGES_PER_MINUTE: ["int", 300000],
      SEND_MAX_CONCURRENT_SHARDS: ["int", 100],
      DELIVERY_RETENTION_DAYS: ["int", 30],
      INBOX_RETENTION_DAYS: ["int", 90],
      DEFAULT_TIME_ZONE: ["string", "Etc/UTC"],
      MAX_NOTIFICATIONS_PER_USER_PER_DAY: ["int", 0],
      INACTIVE_RETENTION_DAYS: ["int", 30],
      STALE_DEVICE_DAYS: ["int", 60],
      PURGE_TIME_BUDGET_SECONDS: ["int", 420],
      PURGE_SCHEDULE: ["string", "0 3 * * *"],
      PURGE_TIME_ZONE: ["string", "Etc/UTC"],
      ENFORCE_APP_CHECK: ["boolean", false],
      CORS_ORIGINS: ["string", "*"],
    });
    for (const p of manifest.params) expect(p.description.length, p.name).toBeGreaterThan(20);
    // The reference's settings table and the emulator's .env.local list every one of them.
    const reference = readFileSync(join(ROOT, "docs/REFERENCE.md"), "utf8");
    const envLocal = readFileSync(join(FUNCTIONS_DIR, ".env.local"), "utf8");
    for (const p of manifest.params) {
      expect(reference, `docs/REFERENCE.md lists ${p.name}`).toContain(`| \`${p.name}\` |`);
      expect(envLocal, `.env.local sets ${p.name}`).toMatch(new RegExp(`^${p.name}=`, "m"));
    }
  });

  it("needs Cloud Tasks and Cloud Scheduler", () => {
    expect(manifest.requiredAPIs.map((a) => a.api).sort()).toEqual(["cloudscheduler.googleapis.com", "cloudtasks.googleapis.com"]);
  });

  it("runs on Node.js 22", () => {
    expect(firebaseJson.functions[0].runtime).toBe("nodejs22");
    expect(pkg.engines.node).toBe("22");
  });
});

describe("what a deploy uploads", () => {
  /** The files firebase-tools packs for the functions source, with firebase.json's ignore list. */
  async function uploaded(): Promise<string[]> {
    const fsAsync = await import(join(ROOT, "node_modules/firebase-tools/lib/fsAsync.js"));
    const ignore: string[] = [...firebaseJson.functions[0].ignore, "firebase-debug.log", "firebase-debug.*.log", ".runtimeconfig.json"];
    const files: Array<{ name: string }> = await fsAsync.readdirRecursive({ path: FUNCTIONS_DIR, ignoreStrings: ignore });
    return files.map((f) => relative(FUNCTIONS_DIR, f.name)).sort();
  }

  it("is the compiled src and the package manifests, nothing of tools/, test/ or the TypeScript sources", async () => {
    const files = await uploaded();
    const outside = files.filter((f) => !f.startsWith("lib/src/") && !["package.json", "package-lock.json"].includes(f) && !/^\.env(\.[\w-]+)?$/.test(f));
    expect(outside).toEqual([]);
    expect(files).toContain("lib/src/index.js");
    expect(files.filter((f) => f.startsWith("lib/src/")).every((f) => f.endsWith(".js"))).toBe(true);
  });
});

describe("dependencies", () => {
  function jsFiles(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const path = join(dir, name);
      return statSync(path).isDirectory() ? jsFiles(path) : path.endsWith(".js") ? [path] : [];
    });
  }

  it("every package the deployed code requires is a declared dependency", () => {
    const required = new Set<string>();
    for (const file of jsFiles(join(FUNCTIONS_DIR, "lib/src"))) {
      for (const [, spec] of readFileSync(file, "utf8").matchAll(/require\("([^".][^"]*)"\)/g)) {
        const name = spec!.startsWith("@") ? spec!.split("/").slice(0, 2).join("/") : spec!.split("/")[0]!;
        if (!name.startsWith("node:") && !builtinModules.includes(name)) required.add(name);
      }
    }
    expect([...required].sort()).toEqual(
      Object.keys(pkg.dependencies)
        .filter((d) => required.has(d))
        .sort(),
    );
    for (const name of required) expect(pkg.dependencies, `dependency ${name}`).toHaveProperty(name);
  });
});
