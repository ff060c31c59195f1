// How times, counts, identifiers and platforms read in the console.
import type { Timestamp } from "firebase/firestore";
import type { DeviceType } from "../../../functions/src/types";

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: "auto" });

export function formatTime(time: Timestamp | null | undefined): string {
  return time ? dateTime.format(time.toDate()) : "—";
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ["day", 86_400_000],
  ["hour", 3_600_000],
  ["minute", 60_000],
];

/** "3 minutes ago", "in 1 hour", "now". */
export function formatRelative(time: Timestamp | null | undefined, now = Date.now()): string {
  if (!time) return "";
  const diff = time.toMillis() - now;
  for (const [unit, ms] of UNITS) {
    if (Math.abs(diff) >= ms) return relative.format(Math.round(diff / ms), unit);
  }
  return relative.format(Math.round(diff / 1000), "second");
}

/** Enough of an identifier to recognise it, never a whole token. */
export function shorten(value: string, keep = 8): string {
  return value.length > keep ? `${value.slice(0, keep)}…` : value;
}

export const plural = (count: number, one: string, many = `${one}s`) => `${count} ${count === 1 ? one : many}`;

export const PLATFORM_LABELS: Record<DeviceType, string> = { ios: "iOS", android: "Android", web: "Web" };
