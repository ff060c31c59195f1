// preferences.ts: a settings screen's data for pushfan's recipient control (web, Firebase JS SDK).

import type { Preferences, SetPreferencesRequest } from "@pushfan/types";
import { getApp } from "firebase/app";
import { getFunctions, httpsCallable } from "firebase/functions";

const functions = getFunctions(getApp(), "us-central1");
const getPreferences = httpsCallable<null, Preferences>(functions, "getNotificationPreferences");
const setPreferences = httpsCallable<SetPreferencesRequest, Preferences>(functions, "setNotificationPreferences");

/** The categories your app sends (the `category` of its notifications), with their labels. */
export const CATEGORIES = { promotions: "Offers and sales", digest: "Weekly digest", social: "Likes and comments" } as const;

/** What the screen shows: every category on unless the user turned it off. */
export async function loadSettings(): Promise<{ on: Record<string, boolean>; preferences: Preferences }> {
  const { data: preferences } = await getPreferences(null);
  const on = Object.fromEntries(Object.keys(CATEGORIES).map((c) => [c, preferences.categories[c] !== false]));
  return { on, preferences };
}

/** A category's switch: only that key changes (categories merge; null would remove it). */
export async function setCategory(category: keyof typeof CATEGORIES, on: boolean): Promise<Preferences> {
  return (await setPreferences({ categories: { [category]: on } })).data;
}

/** Quiet hours on the device's own clock ("22:00" to "07:00" crosses midnight); null turns them off. */
export async function setQuietHours(start: string | null, end: string | null): Promise<Preferences> {
  return (await setPreferences({ quietHours: start && end ? { start, end } : null })).data;
}

/** "Mute for 8 hours" (skipped, not held: nothing arrives afterwards); muteFor(0) unmutes. */
export async function muteFor(hours: number): Promise<Preferences> {
  const mutedUntil = hours > 0 ? new Date(Date.now() + hours * 3_600_000).toISOString() : null;
  return (await setPreferences({ mutedUntil })).data;
}
