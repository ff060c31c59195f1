// Locales as pushfan keeps them: BCP 47 tags checked and canonicalised by Intl (pt-br -> pt-BR). No
// Node or Firebase imports: the admin console validates translations with this module in the browser.

/** BCP 47's recommended minimum a tag must fit in (RFC 5646 §4.4.1), and what a device may register. */
export const MAX_LOCALE_LENGTH = 35;

export const LOCALE_PROBLEM = "must be a BCP 47 language tag such as en, pt-BR or zh-Hant-TW";

/**
 * The canonical form of a BCP 47 tag (`pt-br` -> `pt-BR`, `zh-hant-tw` -> `zh-Hant-TW`, `iw` -> `he`),
 * or undefined when it is not a well-formed tag. Underscores count as hyphens, since Android's
 * `Locale.toString()`, iOS's `Locale.identifier` and Dart's `Platform.localeName` write `en_US`.
 */
export function canonicalLocale(tag: string): string | undefined {
  if (tag.length === 0 || tag.length > MAX_LOCALE_LENGTH) return undefined;
  try {
    return Intl.getCanonicalLocales(tag.replaceAll("_", "-"))[0];
  } catch {
    return undefined;
  }
}

/** Why `tag` is refused, or undefined when it is a well-formed tag. */
export function localeProblem(tag: string): string | undefined {
  if (tag.length > MAX_LOCALE_LENGTH) return `must be at most ${MAX_LOCALE_LENGTH} characters`;
  return canonicalLocale(tag) === undefined ? LOCALE_PROBLEM : undefined;
}
