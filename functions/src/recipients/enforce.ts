// The enforcement step of the shard run (every audience goes through it): each device's verdict
// from its user's preferences, read from the copy on the device (no extra read): opted-out, muted,
// held for quiet hours, or sendable, then the daily cap per user. `critical` bypasses all four.
import type { Firestore } from "firebase-admin/firestore";
import type { SkipReason } from "../notifications/documents.js";
import { admitUsers } from "./cap.js";
import type { DevicePreferences } from "./schema.js";
import { quietUntil, zoneOf } from "./window.js";

/** What enforcement reads of a device (the shard's Target has it). */
export interface Screenable {
  userId: string;
  deviceId: string;
  timezone?: string | null;
  preferences?: DevicePreferences;
}

export interface ScreenContext {
  notificationId: string;
  notification: { category?: string; critical?: true; dryRun?: boolean };
  now: number;
  defaultTimeZone: string;
  /** MAX_NOTIFICATIONS_PER_USER_PER_DAY; 0 = no cap. */
  dailyCap: number;
  /** A release shard: its devices already waited for their quiet hours, which are not checked again. */
  release: boolean;
}

export interface Screened<T> {
  send: T[];
  skipped: Array<{ target: T; reason: SkipReason }>;
  held: Array<{ target: T; heldUntil: number }>;
}

/** The verdict of one device, before the cap. */
function verdictOf(t: Screenable, ctx: ScreenContext): { reason: SkipReason } | { heldUntil: number } | undefined {
  const prefs = t.preferences;
  if (!prefs) return undefined;
  const { category } = ctx.notification;
  if (category !== undefined && prefs.optedOut.includes(category)) return { reason: "opted-out" };
  if (prefs.mutedUntil && prefs.mutedUntil.toMillis() > ctx.now) return { reason: "muted" };
  if (ctx.release || !prefs.quietHours) return undefined;
  const heldUntil = quietUntil(ctx.now, prefs.quietHours, zoneOf(t.timezone, ctx.defaultTimeZone));
  return heldUntil === undefined ? undefined : { heldUntil };
}

/**
 * Splits `targets` into those to send now, skipped and held. The cap is checked last, once per
 * user, only for users with a device to send now (a dry run neither checks nor counts it).
 */
export async function screen<T extends Screenable>(db: Firestore, targets: T[], ctx: ScreenContext): Promise<Screened<T>> {
  const out: Screened<T> = { send: [], skipped: [], held: [] };
  if (ctx.notification.critical === true) return { ...out, send: targets };
  for (const target of targets) {
    const verdict = verdictOf(target, ctx);
    if (!verdict) out.send.push(target);
    else if ("reason" in verdict) out.skipped.push({ target, reason: verdict.reason });
    else out.held.push({ target, heldUntil: verdict.heldUntil });
  }
  if (ctx.dailyCap <= 0 || ctx.notification.dryRun === true || out.send.length === 0) return out;
  const users = [...new Set(out.send.map((t) => t.userId))];
  const admitted = await admitUsers(db, users, ctx.notificationId, ctx.dailyCap, ctx.now);
  const sendable = out.send;
  out.send = sendable.filter((t) => admitted.has(t.userId));
  for (const target of sendable) if (!admitted.has(target.userId)) out.skipped.push({ target, reason: "capped" });
  return out;
}
