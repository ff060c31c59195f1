// How `npm run send` shows a notification it waits for: the progress of a large audience (a bar on
// a terminal, a line per tenth in a log) and when a scheduled one is due.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import type { StoredNotification } from "../../src/notifications/documents.js";
import { type DeliveryRow, deliveriesTable, describeOutcome, describeSchedule, stateOf } from "../../tools/shared/notifications.js";

const processing = (devicesDone: number, devicesPlanned: number): StoredNotification => ({
  status: "processing",
  progress: { devicesDone, devicesPlanned, shards: 4, shardsDone: 1, updatedAt: Timestamp.now() },
});

describe("stateOf", () => {
  it("draws a bar with the counts on a terminal", () => {
    expect(stateOf(processing(1250, 5000), true)).toBe("processing ▕██████░░░░░░░░░░░░░░░░░░▏ 1,250/5,000 devices");
    expect(stateOf(processing(5000, 5000), true)).toBe("processing ▕████████████████████████▏ 5,000/5,000 devices");
  });

  it("says the tenth reached in a log, so that a line is printed only every 10%", () => {
    expect(stateOf(processing(1250, 5000), false)).toBe("processing 20% of 5,000 devices");
    expect(stateOf(processing(1499, 5000), false)).toBe("processing 20% of 5,000 devices");
    expect(stateOf(processing(1500, 5000), false)).toBe("processing 30% of 5,000 devices");
  });

  it("is the status itself without progress (small audiences, scheduled, not yet accepted)", () => {
    expect(stateOf({ status: "processing" }, true)).toBe("processing");
    expect(stateOf({ status: "scheduled" }, true)).toBe("scheduled");
    expect(stateOf({}, true)).toBe("queued");
  });
});

describe("describeSchedule", () => {
  const now = Date.UTC(2026, 10, 28, 12, 0, 0);
  it("says when it is due and how far away, with local time when set", () => {
    expect(describeSchedule({ status: "scheduled", dueAt: Timestamp.fromMillis(now + 25 * 60_000) }, now)).toBe(
      "Status: scheduled, due 2026-11-28T12:25:00.000Z (in 25 min)",
    );
    expect(describeSchedule({ status: "scheduled", dueAt: Timestamp.fromMillis(now + 3 * 3_600_000 - 1) }, now)).toBe(
      "Status: scheduled, due 2026-11-28T14:59:59.999Z (in 2 h 59 min)",
    );
    expect(describeSchedule({ status: "scheduled", dueAt: Timestamp.fromMillis(now + 10 * 86_400_000), localTime: "09:00" }, now)).toBe(
      "Status: scheduled, due 2026-12-08T12:00:00.000Z (in 10 days); then at 09:00 on each device's own clock, within 24 hours",
    );
  });
});

describe("describeOutcome", () => {
  it("leaves recipients out for a topic or broadcast, and says what cancelled means", () => {
    expect(describeOutcome({ status: "cancelled", stats: { devices: 3, sent: 3, failed: 0, removed: 0 }, attempts: 1 })).toBe(
      "Status: cancelled\nStats: devices 3, sent 3, failed 0, removed 0, 1 attempt\nCancelled by an admin: the devices above received it; no other device will.",
    );
  });
});

describe("deliveriesTable", () => {
  const row = (id: string, locale?: string): DeliveryRow => ({
    id: id.padEnd(64, "0"),
    userId: "u1",
    deviceId: id.padEnd(64, "0"),
    status: "sent",
    attempts: 1,
    ...(locale ? { locale } : {}),
    updatedAt: Timestamp.now(),
    expireAt: Timestamp.now(),
  });

  it("shows each device's translation when the notification had translations", () => {
    const table = deliveriesTable([row("a", "pt-BR"), row("b", "ja"), row("c")]);
    expect(table.split("\n")[0]).toMatch(/^DEVICE\s+IDENTIFIER\s+USER\s+STATUS\s+LOCALE\s+ERROR$/);
    expect(table).toMatch(/a0{11}…\s+\S+\s+u1\s+sent\s+pt-BR/);
    expect(table).toMatch(/c0{11}…\s+\S+\s+u1\s+sent\s+-/);
  });

  it("has no locale column otherwise", () => {
    expect(deliveriesTable([row("a"), row("b")])).not.toContain("LOCALE");
  });
});
