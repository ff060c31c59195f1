// Which translation each device gets (CONTRACT.md §1 Localization), tags' canonical forms, and how a
// variant's fields fall back to the document's.
import { describe, expect, it } from "vitest";
import { canonicalLocale, localeProblem } from "../../src/localization/locale.js";
import { translated, translationPicker } from "../../src/localization/match.js";

describe("canonicalLocale", () => {
  it.each([
    ["pt-br", "pt-BR"],
    ["PT-BR", "pt-BR"],
    ["pt_BR", "pt-BR"],
    ["zh-hant-tw", "zh-Hant-TW"],
    ["sr-latn", "sr-Latn"],
    ["EN", "en"],
    ["es-419", "es-419"],
    ["iw", "he"],
    ["en-US-u-ca-gregory", "en-US-u-ca-gregory"],
  ])("%s -> %s", (tag, canonical) => {
    expect(canonicalLocale(tag)).toBe(canonical);
    expect(localeProblem(tag)).toBeUndefined();
  });

  it.each(["", " en", "en-", "x-private", "i-klingon", "root", "123", "en.UTF-8", "en-a-bbb-a-ccc", "de-1996-1996", "e", "en--US", "e".repeat(36)])(
    "refuses %j",
    (tag) => {
      expect(canonicalLocale(tag)).toBeUndefined();
      expect(localeProblem(tag)).toMatch(/BCP 47|at most 35/);
    },
  );
});

describe("translationPicker: the contract's order", () => {
  const translations = (...tags: string[]) => Object.fromEntries(tags.map((tag) => [tag, { title: `title ${tag}` }]));
  const cases: Array<[string, Record<string, { title: string }>, string | null | undefined, string | undefined]> = [
    // [case, translations, device locale, tag picked (undefined: the document's own content)]
    ["the exact tag wins over the language alone", translations("pt", "pt-BR", "pt-PT"), "pt-BR", "pt-BR"],
    ["pt-PT exactly", translations("pt", "pt-BR", "pt-PT"), "pt-PT", "pt-PT"],
    ["the language alone before another region", translations("pt", "pt-PT"), "pt-BR", "pt"],
    ["any tag of the language when neither the tag nor the language is there", translations("pt-PT", "ja"), "pt-BR", "pt-PT"],
    ["a language-only device prefers the language's likely region", translations("pt-PT", "pt-BR"), "pt", "pt-BR"],
    ["matching ignores case on both sides", translations("PT-br"), "pt-br", "PT-br"],
    ["upper-case device locale", translations("pt-BR"), "PT-BR", "pt-BR"],
    ["an underscore device locale (stored before validation)", translations("pt-BR"), "pt_BR", "pt-BR"],
    ["zh-Hant-TW exactly", translations("zh-Hans", "zh-Hant-TW", "zh"), "zh-Hant-TW", "zh-Hant-TW"],
    ["zh-Hant-TW drops its region first", translations("zh", "zh-Hans", "zh-Hant"), "zh-Hant-TW", "zh-Hant"],
    ["zh-Hant-TW takes the language alone next", translations("zh", "zh-Hans"), "zh-Hant-TW", "zh"],
    ["zh-TW picks the Traditional script among other tags", translations("zh-Hans", "zh-Hant"), "zh-TW", "zh-Hant"],
    ["zh-Hant-TW picks the script, not the first tag", translations("zh-Hans-CN", "zh-Hant-HK"), "zh-Hant-TW", "zh-Hant-HK"],
    ["sr-Latn takes sr-Latn over Cyrillic sr-RS", translations("sr-Cyrl", "sr-Latn"), "sr-Latn-RS", "sr-Latn"],
    ["sr-Latn prefers its script over its likely region", translations("sr-Cyrl", "sr-Latn-BA"), "sr-Latn", "sr-Latn-BA"],
    ["sr-Latn falls back to sr when it is the only Serbian", translations("sr", "en"), "sr-Latn", "sr"],
    ["plain sr (Cyrillic) prefers sr-Cyrl", translations("sr-Latn", "sr-Cyrl"), "sr", "sr-Cyrl"],
    ["an English device without an English variant gets the document's content", translations("pt-BR", "ja"), "en-US", undefined],
    ["en-GB takes en", translations("en", "fr"), "en-GB", "en"],
    ["no device locale", translations("pt-BR"), null, undefined],
    ["an undefined device locale", translations("pt-BR"), undefined, undefined],
    ["an empty device locale", translations("pt-BR"), "", undefined],
    ["a device locale that is no tag", translations("pt-BR"), "not a locale!", undefined],
    ["no translations", {}, "pt-BR", undefined],
    ["a language prefix is not the language: ja vs jv", translations("jv"), "ja", undefined],
    ["und is not English", translations("und"), "en", undefined],
  ];
  it.each(cases)("%s", (_, map, locale, expected) => {
    const picked = translationPicker(map)(locale);
    expect(picked?.tag).toBe(expected);
    if (expected !== undefined) expect(picked?.variant).toBe(map[expected]);
  });

  it("no translations at all", () => {
    expect(translationPicker(undefined)("pt-BR")).toBeUndefined();
  });

  it("answers the same for the same locale (remembered per picker)", () => {
    const pick = translationPicker(translations("pt-PT", "pt-AO"));
    expect(pick("pt-BR")).toBe(pick("pt-BR"));
    expect(pick("pt-BR")?.tag).toBe("pt-AO");
  });
});

describe("translated: fields a variant leaves out fall back to the document's", () => {
  const doc = { title: "Sale", body: "50% off", imageUrl: "https://cdn.example.com/en.png", link: "https://shop.example.com/en", data: { k: "v" } };

  it("a variant with only body keeps the document's title, image, link and data", () => {
    expect(translated(doc, { body: "50% de desconto" })).toEqual({ ...doc, body: "50% de desconto" });
  });

  it("a full variant replaces every content field but data", () => {
    const variant = { title: "セール", body: "50%オフ", imageUrl: "https://cdn.example.com/ja.png", link: "https://shop.example.com/ja" };
    expect(translated(doc, variant)).toEqual({ ...variant, data: { k: "v" } });
  });

  it("no variant: the document itself", () => {
    expect(translated(doc, undefined)).toBe(doc);
  });

  it("never changes the document", () => {
    const copy = structuredClone(doc);
    translated(doc, { title: "x" });
    expect(doc).toEqual(copy);
  });
});
