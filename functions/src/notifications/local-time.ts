// Wall-clock arithmetic for "deliver at HH:MM in each device's time zone": validates zone names and
// local times, and finds the next instant a zone's clock shows a given time, DST transitions included.

/** Longer than any IANA name (the longest is 30 characters); bounds what untrusted input costs ICU. */
const MAX_TIME_ZONE_LENGTH = 64;
const TIME_ZONE_PATTERN = /^[A-Za-z][A-Za-z0-9_+\-/]*$/;
const LOCAL_TIME_PATTERN = /^([01]\d|2[0-3]):([0-5]\d)$/;
const MINUTE_MS = 60_000;
const DAY_MS = 86_400_000;

/**
 * The canonical name of an IANA time zone (`europe/paris` → `Europe/Paris`, aliases resolved the way
 * the engine's ICU does), or undefined when `name` is not one.
 *
 * Newer V8 also accepts UTC offsets (`+01:00`) as a `timeZone`; the pattern keeps them out because an
 * offset has no DST rules, so it is not what a device reporting its zone means.
 */
export function canonicalTimeZone(name: string): string | undefined {
  // Callers pass unchecked values too (a client's request, a param).
  if (typeof name !== "string" || name.length > MAX_TIME_ZONE_LENGTH || !TIME_ZONE_PATTERN.test(name)) {
    return undefined;
  }
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat("en-US", { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined; // RangeError: not a zone ICU knows
  }
  // An engine could canonicalise a name it accepts into an offset; that is still not an IANA zone.
  return TIME_ZONE_PATTERN.test(resolved) ? resolved : undefined;
}

export interface LocalTime {
  hour: number;
  minute: number;
}

/** Parses exactly `HH:MM` on a 24-hour clock (`00:00` to `23:59`); anything looser is a caller error. */
export function parseLocalTime(text: string): LocalTime | undefined {
  const match = typeof text === "string" ? LOCAL_TIME_PATTERN.exec(text) : null;
  if (!match) return undefined;
  return { hour: Number(match[1]), minute: Number(match[2]) };
}

// Creating a DateTimeFormat costs far more than formatting with one, and a fan-out asks about the same
// few dozen zones for every device. Zone names are bounded (invalid ones throw before being cached).
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // hourCycle "h23", not hour12: false, which some ICU versions render midnight with as "24".
    formatter = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
      second: "numeric",
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * The UTC offset of `timeZone` at `instantMs`, in minutes east of Greenwich (Asia/Kolkata → 330).
 * Throws a RangeError for a zone the engine does not know.
 */
export function offsetMinutes(instantMs: number, timeZone: string): number {
  const fields: Record<string, number> = {};
  for (const part of formatterFor(timeZone).formatToParts(instantMs)) {
    if (part.type !== "literal") fields[part.type] = Number(part.value);
  }
  const wallMs = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second);
  // The formatter drops milliseconds, so compare against the instant truncated to its second.
  const instantSecondMs = Math.floor(instantMs / 1000) * 1000;
  return (wallMs - instantSecondMs) / MINUTE_MS;
}

/**
 * The instant at which `timeZone`'s wall clock reads `naiveMs` (a local date and time encoded as if it
 * were UTC), with "compatible" disambiguation: in an overlap the earlier instant, in a gap the local
 * time pushed forward by the gap's length.
 */
function resolveLocal(naiveMs: number, timeZone: string): number {
  // Transitions are more than two days apart, so the offsets a day either side are the only candidates.
  const before = offsetMinutes(naiveMs - DAY_MS, timeZone);
  const after = offsetMinutes(naiveMs + DAY_MS, timeZone);
  const matches = [before, after].map((offset) => naiveMs - offset * MINUTE_MS).filter((t) => t + offsetMinutes(t, timeZone) * MINUTE_MS === naiveMs);
  if (matches.length > 0) return Math.min(...matches);
  // A gap: reading the local time with the pre-transition offset lands that far past the transition.
  return naiveMs - before * MINUTE_MS;
}

/**
 * The first instant at or after `startMs` at which the wall clock in `timeZone` shows `time`.
 *
 * Local times a DST change makes ambiguous follow "compatible" disambiguation (java.time's and
 * Temporal's default): a time skipped by a spring-forward gap is moved forward by the length of the
 * gap (Europe/Paris 2026-03-29 02:30 → 03:30 CEST, 01:30Z); a time repeated by a fall-back overlap
 * is the earlier of its two instants (Europe/Paris 2026-10-25 02:30 → 02:30 CEST, 00:30Z). Each local
 * date thus has exactly one occurrence, so a start between the two passes of an overlap gets the next
 * day's, not the second pass: a daily delivery never fires twice on one local date. The result is at
 * most 24 hours, plus the length of any gap, after `startMs`.
 */
export function nextLocalInstant(startMs: number, time: LocalTime, timeZone: string): number {
  const localStart = new Date(startMs + offsetMinutes(startMs, timeZone) * MINUTE_MS);
  const [year, month, day] = [localStart.getUTCFullYear(), localStart.getUTCMonth(), localStart.getUTCDate()];
  // Today's occurrence may already be past; a day after that, a gap or overlap can still put the
  // next day's occurrence before the start, hence a third day.
  for (let extraDays = 0; extraDays <= 2; extraDays++) {
    const naiveMs = Date.UTC(year, month, day + extraDays, time.hour, time.minute);
    const instantMs = resolveLocal(naiveMs, timeZone);
    if (instantMs >= startMs) return instantMs;
  }
  throw new Error(`No ${formatLocalTime(time)} in ${timeZone} within three days of ${startMs}`);
}

function formatLocalTime(time: LocalTime): string {
  return `${String(time.hour).padStart(2, "0")}:${String(time.minute).padStart(2, "0")}`;
}

export interface PlannedInstant {
  instantMs: number;
  /** The canonical zone the instant was computed in. */
  zone: string;
  /** True when the device's zone was unusable and `defaultZone` replaced it; the caller logs it. */
  unknown: boolean;
}

export interface LocalTimePlanner {
  instantFor(deviceZone: string | null | undefined): PlannedInstant;
}

/**
 * Plans one local-time delivery across devices: each device gets the next `time` in its own zone.
 * Devices share a handful of zones, so results are memoised per zone name: a million devices in 40
 * zones cost 40 computations. A device without a zone uses `defaultZone`; a device whose zone is not
 * an IANA zone also does, flagged `unknown`. Throws when `defaultZone` itself is not an IANA zone.
 */
export function createLocalTimePlanner(startMs: number, time: LocalTime, defaultZone: string): LocalTimePlanner {
  const fallbackZone = canonicalTimeZone(defaultZone);
  if (fallbackZone === undefined) {
    throw new Error(`Default time zone ${JSON.stringify(defaultZone)} is not an IANA time zone`);
  }
  // Keyed by canonical zone so that aliases and case variants share one computation.
  const instants = new Map<string, number>();
  const instantIn = (zone: string): number => {
    let instantMs = instants.get(zone);
    if (instantMs === undefined) {
      instantMs = nextLocalInstant(startMs, time, zone);
      instants.set(zone, instantMs);
    }
    return instantMs;
  };
  const byName = new Map<string, PlannedInstant>();
  const missing: PlannedInstant = Object.freeze({ instantMs: instantIn(fallbackZone), zone: fallbackZone, unknown: false });
  return {
    instantFor(deviceZone) {
      if (deviceZone === null || deviceZone === undefined) return missing;
      let planned = byName.get(deviceZone);
      if (!planned) {
        const zone = canonicalTimeZone(deviceZone);
        // Frozen because every device of the zone shares the object.
        planned = Object.freeze(zone === undefined ? { ...missing, unknown: true } : { instantMs: instantIn(zone), zone, unknown: false });
        byName.set(deviceZone, planned);
      }
      return planned;
    },
  };
}
