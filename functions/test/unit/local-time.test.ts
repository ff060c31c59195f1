// Local-time scheduling against hand-computed instants: plain zones, half- and quarter-hour offsets,
// and both DST transitions of 2026 in zones whose shifts are 1 h, 1 h at :45, and 30 min.
import { afterEach, describe, expect, it, vi } from "vitest";
import {
  canonicalTimeZone,
  createLocalTimePlanner,
  type LocalTime,
  nextLocalInstant,
  offsetMinutes,
  parseLocalTime,
} from "../../src/notifications/local-time.js";

const at = (iso: string): number => Date.parse(iso);
const hm = (hour: number, minute: number): LocalTime => ({ hour, minute });
const next = (startIso: string, time: LocalTime, zone: string): string => new Date(nextLocalInstant(at(startIso), time, zone)).toISOString();

describe("canonicalTimeZone", () => {
  it("case-normalises IANA names", () => {
    expect(canonicalTimeZone("europe/paris")).toBe("Europe/Paris");
    expect(canonicalTimeZone("Europe/Paris")).toBe("Europe/Paris");
    expect(canonicalTimeZone("UTC")).toBe("UTC");
    expect(canonicalTimeZone("Etc/GMT+5")).toBe("Etc/GMT+5");
  });

  it("accepts links and deep names; which spelling comes back depends on the engine's ICU", () => {
    // ICU canonicalises to CLDR's (older) spelling; engines implementing TC39's time zone
    // canonicalisation return the primary IANA name as given instead.
    expect(["UTC", "Etc/UTC"]).toContain(canonicalTimeZone("Etc/UTC"));
    expect(["America/Los_Angeles", "US/Pacific"]).toContain(canonicalTimeZone("US/Pacific"));
    expect(["America/Buenos_Aires", "America/Argentina/Buenos_Aires"]).toContain(canonicalTimeZone("America/Argentina/Buenos_Aires"));
    expect(["Asia/Calcutta", "Asia/Kolkata"]).toContain(canonicalTimeZone("Asia/Kolkata"));
  });

  it.each([
    ["+01:00"],
    ["-0530"],
    [""],
    ["UTC+01:00"],
    [" Europe/Paris"],
    ["Europe/Paris "],
    ["Europe/Paris\n"],
    ["../etc/passwd"],
    ["Mars/Olympus_Mons"], // well-formed, but no such zone
    ["Europe/" + "x".repeat(58)], // 65 characters
  ])("rejects %j", (name) => {
    expect(canonicalTimeZone(name)).toBeUndefined();
  });

  it("rejects a non-string that slipped past the types", () => {
    expect(canonicalTimeZone(42 as unknown as string)).toBeUndefined();
  });
});

describe("parseLocalTime", () => {
  it.each([
    ["09:00", 9, 0],
    ["23:59", 23, 59],
    ["00:00", 0, 0],
    ["12:30", 12, 30],
  ])("accepts %j", (text, hour, minute) => {
    expect(parseLocalTime(text)).toEqual({ hour, minute });
  });

  it.each([["9:00"], ["24:00"], ["25:00"], ["12:60"], [" 09:00"], ["09:00 "], ["09:00\n"], ["09:00:00"], ["0900"], [""], ["ab:cd"]])("rejects %j", (text) => {
    expect(parseLocalTime(text)).toBeUndefined();
  });
});

describe("offsetMinutes", () => {
  it("reads fixed and fractional-hour offsets", () => {
    expect(offsetMinutes(at("2026-06-01T00:00:00Z"), "UTC")).toBe(0);
    expect(offsetMinutes(at("2026-06-01T00:00:00Z"), "Asia/Kolkata")).toBe(330); // +05:30
    expect(offsetMinutes(at("2026-06-01T00:00:00Z"), "Asia/Kathmandu")).toBe(345); // +05:45
    expect(offsetMinutes(at("2026-06-01T00:00:00Z"), "Etc/GMT+5")).toBe(-300); // POSIX sign: GMT+5 is UTC-5
  });

  it("follows DST, including Chatham's +12:45/+13:45", () => {
    expect(offsetMinutes(at("2026-01-15T00:00:00Z"), "Pacific/Chatham")).toBe(825); // NZ summer, +13:45
    expect(offsetMinutes(at("2026-06-15T00:00:00Z"), "Pacific/Chatham")).toBe(765); // NZ winter, +12:45
    expect(offsetMinutes(at("2026-01-15T00:00:00Z"), "America/New_York")).toBe(-300);
    expect(offsetMinutes(at("2026-07-15T00:00:00Z"), "America/New_York")).toBe(-240);
  });

  it("switches exactly at the transition and ignores milliseconds", () => {
    // EU summer time starts at 01:00Z on the last Sunday of March.
    expect(offsetMinutes(at("2026-03-29T00:59:59.999Z"), "Europe/Paris")).toBe(60);
    expect(offsetMinutes(at("2026-03-29T01:00:00.000Z"), "Europe/Paris")).toBe(120);
    expect(offsetMinutes(at("2026-01-15T00:00:00.999Z"), "Pacific/Chatham")).toBe(825);
  });
});

describe("nextLocalInstant", () => {
  describe("UTC", () => {
    it("returns today's occurrence when still ahead, else tomorrow's", () => {
      expect(next("2026-01-15T10:00:00Z", hm(12, 0), "UTC")).toBe("2026-01-15T12:00:00.000Z");
      // 09:00 on the 15th has passed at 10:00Z.
      expect(next("2026-01-15T10:00:00Z", hm(9, 0), "UTC")).toBe("2026-01-16T09:00:00.000Z");
      expect(next("2026-01-15T10:00:00Z", hm(9, 0), "Etc/UTC")).toBe("2026-01-16T09:00:00.000Z");
    });

    it("returns the start itself when it is the instant, and tomorrow 1 ms later", () => {
      expect(next("2026-01-15T09:00:00.000Z", hm(9, 0), "UTC")).toBe("2026-01-15T09:00:00.000Z");
      expect(next("2026-01-15T09:00:00.001Z", hm(9, 0), "UTC")).toBe("2026-01-16T09:00:00.000Z");
    });

    it("crosses month and year ends", () => {
      expect(next("2026-12-31T23:30:00Z", hm(0, 15), "UTC")).toBe("2027-01-01T00:15:00.000Z");
    });
  });

  describe("Europe/Paris (CET +01:00, CEST +02:00)", () => {
    it("handles the start boundary in a zone with an offset", () => {
      // 09:00 CEST on 1 June is 07:00Z.
      expect(next("2026-06-01T07:00:00.000Z", hm(9, 0), "Europe/Paris")).toBe("2026-06-01T07:00:00.000Z");
      expect(next("2026-06-01T07:00:00.001Z", hm(9, 0), "Europe/Paris")).toBe("2026-06-02T07:00:00.000Z");
    });

    // Summer time starts 2026-03-29 at 01:00Z: 02:00 CET jumps to 03:00 CEST. Start: 28th 13:00 CET.
    it("moves a time in the spring-forward gap forward by the gap", () => {
      // 02:30 does not exist; +1 h gives 03:30 CEST = 01:30Z.
      expect(next("2026-03-28T12:00:00Z", hm(2, 30), "Europe/Paris")).toBe("2026-03-29T01:30:00.000Z");
      // 02:00 is the first skipped minute: 03:00 CEST = 01:00Z, the same instant as 03:00 itself.
      expect(next("2026-03-28T12:00:00Z", hm(2, 0), "Europe/Paris")).toBe("2026-03-29T01:00:00.000Z");
      expect(next("2026-03-28T12:00:00Z", hm(3, 0), "Europe/Paris")).toBe("2026-03-29T01:00:00.000Z");
      // 01:59 is the last CET minute: 00:59Z.
      expect(next("2026-03-28T12:00:00Z", hm(1, 59), "Europe/Paris")).toBe("2026-03-29T00:59:00.000Z");
    });

    it("uses the new offset for an unaffected time on the gap day", () => {
      // The start is in CET, the target in CEST: 09:00 CEST = 07:00Z.
      expect(next("2026-03-28T12:00:00Z", hm(9, 0), "Europe/Paris")).toBe("2026-03-29T07:00:00.000Z");
    });

    it("goes to the next day once the gap day's occurrence has passed", () => {
      // The 29th's 02:30 resolved to 01:30Z; the 30th's 02:30 CEST is 00:30Z.
      expect(next("2026-03-29T01:30:00.001Z", hm(2, 30), "Europe/Paris")).toBe("2026-03-30T00:30:00.000Z");
    });

    // Summer time ends 2026-10-25 at 01:00Z: 03:00 CEST falls back to 02:00 CET. Start: 24th 14:00 CEST.
    it("takes the earlier instant of a time in the fall-back overlap", () => {
      // 02:30 happens at 00:30Z (CEST) and 01:30Z (CET); the earlier wins.
      expect(next("2026-10-24T12:00:00Z", hm(2, 30), "Europe/Paris")).toBe("2026-10-25T00:30:00.000Z");
    });

    it("uses the new offset for an unaffected time on the overlap day", () => {
      // 09:00 CET = 08:00Z.
      expect(next("2026-10-24T12:00:00Z", hm(9, 0), "Europe/Paris")).toBe("2026-10-25T08:00:00.000Z");
    });

    it("never returns the second pass through the overlap", () => {
      // Between the two 02:30s the 25th's occurrence (00:30Z) has passed, so the 26th's: 02:30 CET = 01:30Z.
      expect(next("2026-10-25T00:30:00.001Z", hm(2, 30), "Europe/Paris")).toBe("2026-10-26T01:30:00.000Z");
    });
  });

  describe("America/New_York (EST -05:00, EDT -04:00)", () => {
    // DST starts 2026-03-08 at 07:00Z: 02:00 EST jumps to 03:00 EDT. Start: 7th 12:00 EST.
    it("handles 2026-03-08", () => {
      // 02:30 is skipped: 03:30 EDT = 07:30Z.
      expect(next("2026-03-07T17:00:00Z", hm(2, 30), "America/New_York")).toBe("2026-03-08T07:30:00.000Z");
      // 09:00 EDT = 13:00Z.
      expect(next("2026-03-07T17:00:00Z", hm(9, 0), "America/New_York")).toBe("2026-03-08T13:00:00.000Z");
    });

    // DST ends 2026-11-01 at 06:00Z: 02:00 EDT falls back to 01:00 EST. Start: 31 Oct 12:00 EDT.
    it("handles 2026-11-01", () => {
      // 01:30 happens at 05:30Z (EDT) and 06:30Z (EST); the earlier wins.
      expect(next("2026-10-31T16:00:00Z", hm(1, 30), "America/New_York")).toBe("2026-11-01T05:30:00.000Z");
      // 02:30 happens once, in EST: 07:30Z.
      expect(next("2026-10-31T16:00:00Z", hm(2, 30), "America/New_York")).toBe("2026-11-01T07:30:00.000Z");
      // 09:00 EST = 14:00Z.
      expect(next("2026-10-31T16:00:00Z", hm(9, 0), "America/New_York")).toBe("2026-11-01T14:00:00.000Z");
    });
  });

  describe("fractional-hour offsets", () => {
    it("Asia/Kolkata (+05:30)", () => {
      // Start is 05:30 IST on 1 June; 09:00 IST = 03:30Z.
      expect(next("2026-06-01T00:00:00Z", hm(9, 0), "Asia/Kolkata")).toBe("2026-06-01T03:30:00.000Z");
      // 05:00 IST has passed; 2 June 05:00 IST is still 1 June in UTC: 23:30Z.
      expect(next("2026-06-01T00:00:00Z", hm(5, 0), "Asia/Kolkata")).toBe("2026-06-01T23:30:00.000Z");
    });

    it("Asia/Kathmandu (+05:45)", () => {
      // Start is 05:45 NPT on 1 June; 09:00 NPT = 03:15Z.
      expect(next("2026-06-01T00:00:00Z", hm(9, 0), "Asia/Kathmandu")).toBe("2026-06-01T03:15:00.000Z");
      // 05:44 NPT passed a minute ago; 2 June 05:44 NPT = 1 June 23:59Z.
      expect(next("2026-06-01T00:00:00Z", hm(5, 44), "Asia/Kathmandu")).toBe("2026-06-01T23:59:00.000Z");
    });
  });

  describe("Australia/Adelaide (ACST +09:30, ACDT +10:30)", () => {
    // DST ends 2026-04-05 at 16:30Z on the 4th: 03:00 ACDT falls back to 02:00 ACST. Start: 4th 13:30 ACDT.
    it("handles the April overlap", () => {
      // 02:30 happens at 16:00Z (ACDT) and 17:00Z (ACST) on the 4th; the earlier wins.
      expect(next("2026-04-04T03:00:00Z", hm(2, 30), "Australia/Adelaide")).toBe("2026-04-04T16:00:00.000Z");
      // 09:00 ACST on the 5th = 23:30Z on the 4th.
      expect(next("2026-04-04T03:00:00Z", hm(9, 0), "Australia/Adelaide")).toBe("2026-04-04T23:30:00.000Z");
    });

    // DST starts 2026-10-04 at 16:30Z on the 3rd: 02:00 ACST jumps to 03:00 ACDT. Start: 3rd 12:30 ACST.
    it("handles the October gap", () => {
      // 02:30 is skipped: 03:30 ACDT = 17:00Z on the 3rd.
      expect(next("2026-10-03T03:00:00Z", hm(2, 30), "Australia/Adelaide")).toBe("2026-10-03T17:00:00.000Z");
      // 09:00 ACDT on the 4th = 22:30Z on the 3rd.
      expect(next("2026-10-03T03:00:00Z", hm(9, 0), "Australia/Adelaide")).toBe("2026-10-03T22:30:00.000Z");
    });
  });

  describe("Pacific/Chatham (+12:45, DST +13:45, switching at 02:45/03:45 local)", () => {
    // DST ends 2026-04-05 at 14:00Z on the 4th: 03:45 falls back to 02:45. Start: 4th 13:45 local.
    it("takes the earlier instant inside the April overlap", () => {
      // 03:00 happens at 13:15Z (+13:45) and 14:15Z (+12:45) on the 4th; the earlier wins.
      expect(next("2026-04-04T00:00:00Z", hm(3, 0), "Pacific/Chatham")).toBe("2026-04-04T13:15:00.000Z");
      // 09:00 at +12:45 on the 5th = 20:15Z on the 4th.
      expect(next("2026-04-04T00:00:00Z", hm(9, 0), "Pacific/Chatham")).toBe("2026-04-04T20:15:00.000Z");
    });

    // DST starts 2026-09-27 at 14:00Z on the 26th: 02:45 jumps to 03:45. Start: 26th 12:45 local.
    it("moves a time inside the September gap forward by an hour", () => {
      // 03:00 is skipped: 04:00 at +13:45 = 14:15Z on the 26th.
      expect(next("2026-09-26T00:00:00Z", hm(3, 0), "Pacific/Chatham")).toBe("2026-09-26T14:15:00.000Z");
      // 02:44, the last minute before the gap, at +12:45 = 13:59Z.
      expect(next("2026-09-26T00:00:00Z", hm(2, 44), "Pacific/Chatham")).toBe("2026-09-26T13:59:00.000Z");
    });
  });

  describe("Australia/Lord_Howe (+10:30, DST +11:00: a 30-minute shift)", () => {
    // DST starts 2026-10-04 at 15:30Z on the 3rd: 02:00 jumps to 02:30. Start: 3rd 10:30 local.
    it("moves a time inside the October gap forward by 30 minutes", () => {
      // 02:15 is skipped: 02:45 at +11:00 = 15:45Z on the 3rd.
      expect(next("2026-10-03T00:00:00Z", hm(2, 15), "Australia/Lord_Howe")).toBe("2026-10-03T15:45:00.000Z");
      // 02:30 exists, at +11:00: 15:30Z, the transition itself.
      expect(next("2026-10-03T00:00:00Z", hm(2, 30), "Australia/Lord_Howe")).toBe("2026-10-03T15:30:00.000Z");
    });

    // DST ends 2026-04-05 at 15:00Z on the 4th: 02:00 falls back to 01:30. Start: 4th 11:00 local.
    it("takes the earlier instant inside the April overlap", () => {
      // 01:45 happens at 14:45Z (+11:00) and 15:15Z (+10:30) on the 4th; the earlier wins.
      expect(next("2026-04-04T00:00:00Z", hm(1, 45), "Australia/Lord_Howe")).toBe("2026-04-04T14:45:00.000Z");
    });
  });

  describe("local date differs from the UTC date", () => {
    it("Pacific/Kiritimati (+14:00) is already tomorrow", () => {
      // 20:00Z on 1 June is 10:00 on 2 June local. 11:00 on 2 June = 21:00Z on 1 June.
      expect(next("2026-06-01T20:00:00Z", hm(11, 0), "Pacific/Kiritimati")).toBe("2026-06-01T21:00:00.000Z");
      // 09:00 on 2 June has passed; 09:00 on 3 June = 19:00Z on 2 June.
      expect(next("2026-06-01T20:00:00Z", hm(9, 0), "Pacific/Kiritimati")).toBe("2026-06-02T19:00:00.000Z");
    });

    it("Pacific/Pago_Pago (-11:00) is still yesterday", () => {
      // 05:00Z on 1 June is 18:00 on 31 May local; 20:00 on 31 May = 07:00Z on 1 June.
      expect(next("2026-06-01T05:00:00Z", hm(20, 0), "Pacific/Pago_Pago")).toBe("2026-06-01T07:00:00.000Z");
    });
  });
});

describe("createLocalTimePlanner", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  // Start: 28 March 12:00Z, the day before Paris's spring-forward; target 09:00.
  const start = at("2026-03-28T12:00:00Z");
  const nineAm = hm(9, 0);
  const iso = (ms: number) => new Date(ms).toISOString();

  it("gives each device the next 09:00 of its own zone", () => {
    const planner = createLocalTimePlanner(start, nineAm, "UTC");
    // 09:00 CEST on the 29th = 07:00Z.
    expect(iso(planner.instantFor("Europe/Paris").instantMs)).toBe("2026-03-29T07:00:00.000Z");
    // 28 March 17:30 IST at the start, so 09:00 IST on the 29th = 03:30Z.
    expect(iso(planner.instantFor("Asia/Kolkata").instantMs)).toBe("2026-03-29T03:30:00.000Z");
    // EDT since 8 March; 08:00 EDT at the start, so 09:00 EDT on the 28th = 13:00Z.
    expect(iso(planner.instantFor("America/New_York").instantMs)).toBe("2026-03-28T13:00:00.000Z");
  });

  it("uses the default zone for a device without one, and does not flag it", () => {
    const planner = createLocalTimePlanner(start, nineAm, "Europe/Paris");
    for (const zone of [null, undefined]) {
      const planned = planner.instantFor(zone);
      expect(planned).toEqual({ instantMs: at("2026-03-29T07:00:00.000Z"), zone: "Europe/Paris", unknown: false });
    }
  });

  it("uses the default zone for an unusable zone, and flags it", () => {
    const planner = createLocalTimePlanner(start, nineAm, "europe/paris");
    for (const zone of ["Mars/Olympus_Mons", "+01:00", ""]) {
      // 09:00 CEST on the 29th = 07:00Z.
      expect(planner.instantFor(zone)).toEqual({
        instantMs: at("2026-03-29T07:00:00.000Z"),
        zone: "Europe/Paris",
        unknown: true,
      });
    }
  });

  it("reports the canonical zone it computed in", () => {
    const planner = createLocalTimePlanner(start, nineAm, "UTC");
    const planned = planner.instantFor("europe/paris");
    expect(planned.zone).toBe("Europe/Paris");
    expect(iso(planned.instantMs)).toBe("2026-03-29T07:00:00.000Z");
    expect(planned.unknown).toBe(false);
  });

  it("computes each zone once however many devices share it", () => {
    const formatToParts = vi.spyOn(Intl.DateTimeFormat.prototype, "formatToParts");
    const planner = createLocalTimePlanner(start, nineAm, "UTC");
    const afterDefault = formatToParts.mock.calls.length;
    expect(afterDefault).toBeGreaterThan(0);

    planner.instantFor("Europe/Paris");
    const afterParis = formatToParts.mock.calls.length;
    expect(afterParis).toBeGreaterThan(afterDefault);

    for (let i = 0; i < 1000; i++) {
      planner.instantFor("Europe/Paris");
      planner.instantFor(null);
      planner.instantFor("Mars/Olympus_Mons");
    }
    // A case variant canonicalises to a zone already computed.
    planner.instantFor("EUROPE/PARIS");
    expect(formatToParts.mock.calls.length).toBe(afterParis);
  });

  it("refuses an invalid default zone, naming it", () => {
    expect(() => createLocalTimePlanner(start, nineAm, "Mars/Olympus_Mons")).toThrow(/Mars\/Olympus_Mons/);
    expect(() => createLocalTimePlanner(start, nineAm, "+01:00")).toThrow(/\+01:00/);
  });
});
