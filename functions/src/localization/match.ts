// Which translation of a notification a device gets, by its locale (CONTRACT.md §1 Localization).
// Pure and browser-safe: the fan-out picks with it, and the console's preview shows the same choice.
import { canonicalLocale } from "./locale.js";

/** One language's version of a notification's content; fields it leaves out fall back to the document's. */
export interface Translation {
  title?: string;
  body?: string;
  imageUrl?: string;
  link?: string;
}

/** The variant a device gets: the document's key for it (as written) and its fields. */
export interface Match<V> {
  tag: string;
  variant: V;
}

/** A device locale -> its match, or undefined for the document's own content. */
export type Picker<V> = (locale: string | null | undefined) => Match<V> | undefined;

interface Candidate<V> extends Match<V> {
  /** Canonical and lowercase: tags compare case-insensitively. */
  key: string;
  language: string;
  /** With likely subtags added (`zh-TW` -> Hant, TW), for ranking the tags of one language. */
  script?: string;
  region?: string;
}

/**
 * Prepares the matching once per notification (the fan-out calls the picker per device; each
 * distinct device locale is worked out once and remembered). In the contract's order: the exact tag;
 * else the device's tag without its region (`pt-BR` -> `pt`, `zh-Hant-TW` -> `zh-Hant`, then `zh`);
 * else any tag of the same language, the one sharing the device's script first, then its region,
 * then the first in alphabetical order; else none.
 */
export function translationPicker<V>(translations: Readonly<Record<string, V>> | undefined): Picker<V> {
  const candidates = Object.entries(translations ?? {})
    .flatMap(([tag, variant]) => candidateOf(tag, variant))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const picked = new Map<string, Match<V> | undefined>();
  return (locale) => {
    if (!locale || candidates.length === 0) return undefined;
    if (!picked.has(locale)) picked.set(locale, pick(candidates, locale));
    return picked.get(locale);
  };
}

function candidateOf<V>(tag: string, variant: V): Candidate<V>[] {
  const canonical = canonicalLocale(tag);
  if (canonical === undefined) return [];
  const locale = new Intl.Locale(canonical);
  const likely = locale.maximize();
  return [{ tag, variant, key: canonical.toLowerCase(), language: locale.language, script: likely.script, region: likely.region }];
}

function pick<V>(candidates: Candidate<V>[], locale: string): Match<V> | undefined {
  const canonical = canonicalLocale(locale);
  if (canonical === undefined) return undefined;
  const device = new Intl.Locale(canonical);
  const withoutRegion = [device.script ? `${device.language}-${device.script}` : undefined, device.language];
  for (const key of [canonical, ...withoutRegion]) {
    const found = key && candidates.find((c) => c.key === key.toLowerCase());
    if (found) return matchOf(found);
  }
  const likely = device.maximize();
  const score = (c: Candidate<V>) => (c.script === likely.script ? 2 : 0) + (c.region === likely.region ? 1 : 0);
  let best: Candidate<V> | undefined;
  for (const c of candidates) if (c.language === device.language && (!best || score(c) > score(best))) best = c;
  return best && matchOf(best);
}

const matchOf = <V>({ tag, variant }: Candidate<V>): Match<V> => ({ tag, variant });

/** The content a device sees: the variant's fields, and the document's where the variant has none. */
export function translated<C extends Translation>(content: C, variant: Translation | undefined): C {
  if (!variant) return content;
  const out = { ...content };
  for (const field of ["title", "body", "imageUrl", "link"] as const) {
    const value = variant[field];
    if (value !== undefined) (out as Translation)[field] = value;
  }
  return out;
}
