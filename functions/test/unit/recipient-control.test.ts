// Recipient control's pure logic: the quiet-hours window maths on a device's wall clock (midnight
// crossing, DST gaps and overlaps, the odd-offset zones) and each device's verdict before the cap.
import type { Firestore } from "firebase-admin/firestore";
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { screen } from "../../src/recipients/enforce";
import { releaseShards } from "../../src/recipients/hold";
import { insideWindow, quietUntil, wallMinutes, zoneOf } from "../../src/recipients/window";

const at = (iso: string) => Date.parse(iso);
const until = (now: string, start: string, end: string, zone: string) => {
  const result = quietUntil(at(now), { start, end }, zone);
  return result === undefined ? undefined : new Date(result).toISOString();
};

describe("quietUntil: a window on one day", () => {
  it("holds inside [start, end) until end, and not at end or before start", () => {
    expect(until("2026-06-01T12:00:00Z", "09:00", "17:00", "Etc/UTC")).toBe("2026-06-01T17:00:00.000Z");
    expect(until("2026-06-01T09:00:00Z", "09:00", "17:00", "Etc/UTC")).toBe("2026-06-01T17:00:00.000Z");
    expect(until("2026-06-01T17:00:00Z", "09:00", "17:00", "Etc/UTC")).toBeUndefined();
    expect(until("2026-06-01T08:59:59Z", "09:00", "17:00", "Etc/UTC")).toBeUndefined();
  });

  it("ends on the minute, whatever the seconds of the arrival", () => {
    expect(until("2026-06-01T16:59:59.999Z", "09:00", "17:00", "Etc/UTC")).toBe("2026-06-01T17:00:00.000Z");
  });

  it("a one-minute window", () => {
    expect(until("2026-06-01T10:15:20Z", "10:15", "10:16", "Etc/UTC")).toBe("2026-06-01T10:16:00.000Z");
    expect(until("2026-06-01T10:16:00Z", "10:15", "10:16", "Etc/UTC")).toBeUndefined();
  });
});

describe("quietUntil: a window crossing midnight (22:00 to 07:00)", () => {
  it("before midnight: until 07:00 the next day", () => {
    expect(until("2026-06-01T23:30:00Z", "22:00", "07:00", "Etc/UTC")).toBe("2026-06-02T07:00:00.000Z");
  });
  it("after midnight: until 07:00 the same day", () => {
    expect(until("2026-06-02T03:00:00Z", "22:00", "07:00", "Etc/UTC")).toBe("2026-06-02T07:00:00.000Z");
  });
  it("outside: from 07:00 to 21:59", () => {
    expect(until("2026-06-02T07:00:00Z", "22:00", "07:00", "Etc/UTC")).toBeUndefined();
    expect(until("2026-06-02T21:59:00Z", "22:00", "07:00", "Etc/UTC")).toBeUndefined();
    expect(until("2026-06-02T22:00:00Z", "22:00", "07:00", "Etc/UTC")).toBe("2026-06-03T07:00:00.000Z");
  });
  it("on the device's own clock: Europe/Paris in summer (UTC+2)", () => {
    expect(until("2026-06-01T21:00:00Z", "22:00", "07:00", "Europe/Paris")).toBe("2026-06-02T05:00:00.000Z");
    expect(until("2026-06-01T19:59:00Z", "22:00", "07:00", "Europe/Paris")).toBeUndefined();
  });
});

describe("quietUntil: DST", () => {
  it("a spring-forward night is an hour shorter: 22:00-07:00 Paris ends at 07:00 CEST (05:00Z)", () => {
    expect(until("2026-03-28T23:00:00Z", "22:00", "07:00", "Europe/Paris")).toBe("2026-03-29T05:00:00.000Z");
  });
  it("an end the gap swallows (02:30 on 2026-03-29 in Paris) is pushed forward by the gap, as localTime does", () => {
    expect(until("2026-03-29T00:30:00Z", "22:00", "02:30", "Europe/Paris")).toBe("2026-03-29T01:30:00.000Z");
    // Once the clock jumped to 03:00 the window is over.
    expect(until("2026-03-29T01:05:00Z", "22:00", "02:30", "Europe/Paris")).toBeUndefined();
  });
  it("a fall-back night is an hour longer: 22:00-07:00 Paris ends at 07:00 CET (06:00Z)", () => {
    expect(until("2026-10-24T21:00:00Z", "22:00", "07:00", "Europe/Paris")).toBe("2026-10-25T06:00:00.000Z");
  });
  it("inside the repeated hour, each pass ends at its own 02:30 (wall clock)", () => {
    // 02:15 CEST (first pass) and 02:15 CET (second pass) on 2026-10-25.
    expect(until("2026-10-25T00:15:00Z", "01:00", "02:30", "Europe/Paris")).toBe("2026-10-25T00:30:00.000Z");
    expect(until("2026-10-25T01:15:00Z", "01:00", "02:30", "Europe/Paris")).toBe("2026-10-25T01:30:00.000Z");
    // Between the passes (02:45 CEST) the clock is outside, until it shows 02:00 again.
    expect(until("2026-10-25T00:45:00Z", "01:00", "02:30", "Europe/Paris")).toBeUndefined();
  });
  it("New York's fall back (2026-11-01): 23:00-07:00 ends at 07:00 EST (12:00Z)", () => {
    expect(until("2026-11-01T03:00:00Z", "23:00", "07:00", "America/New_York")).toBe("2026-11-01T12:00:00.000Z");
  });
});

describe("quietUntil: odd offsets", () => {
  it("Asia/Kolkata (+05:30)", () => {
    expect(until("2026-06-01T17:00:00Z", "22:00", "07:00", "Asia/Kolkata")).toBe("2026-06-02T01:30:00.000Z");
    expect(until("2026-06-01T16:29:00Z", "22:00", "07:00", "Asia/Kolkata")).toBeUndefined();
  });
  it("Asia/Kathmandu (+05:45)", () => {
    expect(until("2026-06-01T16:30:00Z", "22:00", "07:00", "Asia/Kathmandu")).toBe("2026-06-02T01:15:00.000Z");
  });
  it("Pacific/Chatham (+12:45 in June, +13:45 in January)", () => {
    expect(until("2026-06-01T10:00:00Z", "22:00", "07:00", "Pacific/Chatham")).toBe("2026-06-01T18:15:00.000Z");
    expect(until("2026-01-15T09:00:00Z", "22:00", "07:00", "Pacific/Chatham")).toBe("2026-01-15T17:15:00.000Z");
  });
});

describe("window helpers", () => {
  it("insideWindow handles both shapes", () => {
    expect(insideWindow(60, 1320, 420)).toBe(true);
    expect(insideWindow(420, 1320, 420)).toBe(false);
    expect(insideWindow(600, 540, 1020)).toBe(true);
    expect(insideWindow(1020, 540, 1020)).toBe(false);
  });
  it("wallMinutes reads the zone's clock", () => {
    expect(wallMinutes(at("2026-06-01T00:00:00Z"), "Asia/Kathmandu")).toBe(5 * 60 + 45);
    expect(wallMinutes(at("2026-06-01T23:59:00Z"), "Etc/UTC")).toBe(1439);
  });
  it("zoneOf: the device's zone if valid, else the default", () => {
    expect(zoneOf("Europe/Paris", "Etc/UTC")).toBe("Europe/Paris");
    expect(zoneOf(null, "Asia/Tokyo")).toBe("Asia/Tokyo");
    expect(zoneOf("Mars/Olympus", "Asia/Tokyo")).toBe("Asia/Tokyo");
  });
  it("malformed or equal bounds never hold", () => {
    expect(quietUntil(at("2026-06-01T12:00:00Z"), { start: "12:00", end: "12:00" }, "Etc/UTC")).toBeUndefined();
    expect(quietUntil(at("2026-06-01T12:00:00Z"), { start: "25:00", end: "12:00" }, "Etc/UTC")).toBeUndefined();
  });
});

describe("screen: each device's verdict (no cap: no database)", () => {
  const noDb = undefined as unknown as Firestore;
  const NOW = at("2026-06-01T23:00:00Z");
  const prefs = (p: Partial<{ optedOut: string[]; quietHours: { start: string; end: string } | null; mutedUntil: Timestamp | null }>) => ({
    optedOut: [],
    quietHours: null,
    mutedUntil: null,
    ...p,
  });
  const devices = [
    { userId: "plain", deviceId: "d0" },
    { userId: "out", deviceId: "d1", preferences: prefs({ optedOut: ["promo"] }) },
    { userId: "muted", deviceId: "d2", preferences: prefs({ mutedUntil: Timestamp.fromMillis(NOW + 60_000) }) },
    { userId: "was-muted", deviceId: "d3", preferences: prefs({ mutedUntil: Timestamp.fromMillis(NOW - 60_000) }) },
    { userId: "night", deviceId: "d4", timezone: "Etc/UTC", preferences: prefs({ quietHours: { start: "22:00", end: "07:00" } }) },
    { userId: "night-tokyo", deviceId: "d5", timezone: "Asia/Tokyo", preferences: prefs({ quietHours: { start: "22:00", end: "07:00" } }) },
  ];
  const ctx = (notification: Record<string, unknown>, release = false) => ({
    notificationId: "n",
    notification,
    now: NOW,
    defaultTimeZone: "Etc/UTC",
    dailyCap: 0,
    release,
  });

  it("opted-out, muted, held; a past mute, another category and a zone outside its window are sent", async () => {
    const out = await screen(noDb, devices, ctx({ category: "promo" }));
    expect(out.send.map((t) => t.deviceId)).toEqual(["d0", "d3", "d5"]);
    expect(out.skipped.map((s) => [s.target.deviceId, s.reason])).toEqual([
      ["d1", "opted-out"],
      ["d2", "muted"],
    ]);
    expect(out.held.map((h) => [h.target.deviceId, new Date(h.heldUntil).toISOString()])).toEqual([["d4", "2026-06-02T07:00:00.000Z"]]);
    expect((await screen(noDb, devices, ctx({ category: "news" }))).send.map((t) => t.deviceId)).toEqual(["d0", "d1", "d3", "d5"]);
  });

  it("critical bypasses every choice", async () => {
    const out = await screen(noDb, devices, ctx({ category: "promo", critical: true }));
    expect(out.send).toHaveLength(devices.length);
    expect(out.skipped).toEqual([]);
    expect(out.held).toEqual([]);
  });

  it("a release shard does not hold again, but still honours an opt-out or mute set meanwhile", async () => {
    const out = await screen(noDb, devices, ctx({ category: "promo" }, true));
    expect(out.held).toEqual([]);
    expect(out.skipped.map((s) => s.reason)).toEqual(["opted-out", "muted"]);
  });

  it("release shards: one per distinct end, negative unique indexes, due then, counted once (size 0)", () => {
    const held = [
      { target: { userId: "a", deviceId: "1" }, heldUntil: NOW + 2000 },
      { target: { userId: "b", deviceId: "2" }, heldUntil: NOW + 1000 },
      { target: { userId: "c", deviceId: "3" }, heldUntil: NOW + 2000 },
    ];
    const shards = releaseShards({ index: 7, run: 2 }, held, NOW, 30);
    expect(shards.map((s) => [s.index, s.devices, s.dueAt!.toMillis() - NOW, s.size, s.release])).toEqual([
      [-7002001, ["b/2"], 1000, 0, true],
      [-7002002, ["a/1", "c/3"], 2000, 0, true],
    ]);
    expect(new Set(releaseShards({ index: 7, run: 3 }, held, NOW, 30).map((s) => s.index)).has(-7002001)).toBe(false);
  });
});
