// The `translations` field of a notification document (CONTRACT.md §1): tags, variants, sizes, paths.
import { describe, expect, it } from "vitest";
import { ID_RESERVE } from "../../src/notifications/payload.js";
import { MAX_PAYLOAD_BYTES, MAX_TRANSLATIONS, type NotificationInput, parseNotification } from "../../src/notifications/schema.js";

const NOW = Date.UTC(2026, 10, 28, 12, 0, 0);
const doc = (translations: unknown, extra: Record<string, unknown> = {}) => ({ topic: "news", title: "Sale", body: "50% off", ...extra, translations });

function valid(d: unknown): NotificationInput {
  const result = parseNotification(d, { now: NOW });
  if (!result.ok) throw new Error(`expected valid, got ${JSON.stringify(result.details)}`);
  return result.value;
}

function details(d: unknown) {
  const result = parseNotification(d, { now: NOW });
  if (result.ok) throw new Error(`expected ${JSON.stringify(d)} to be invalid`);
  return result.details;
}

const paths = (d: unknown) => details(d).map((x) => x.path);

describe("valid translations", () => {
  it("keeps the map as written: tags are not rewritten, variants not filled in", () => {
    const translations = {
      "pt-BR": { title: "Promoção", body: "50% de desconto" },
      ja: { body: "50%オフ" },
      "zh-hant-tw": { imageUrl: "https://cdn.example.com/zh.png", link: "https://shop.example.com/zh" },
    };
    expect(valid(doc(translations)).translations).toStrictEqual(translations);
  });

  it(`takes ${MAX_TRANSLATIONS} tags`, () => {
    // en-100 ... en-149 are well-formed (three-digit regions), which is all the rule asks.
    const languages = Array.from({ length: MAX_TRANSLATIONS }, (_, i) => `en-${100 + i}`);
    expect(Object.keys(valid(doc(Object.fromEntries(languages.map((t) => [t, { body: t }])))).translations!)).toHaveLength(MAX_TRANSLATIONS);
  });
});

describe("invalid translations: each problem with its path", () => {
  it.each<[string, unknown, string[]]>([
    ["not a map", "pt-BR", ["translations"]],
    ["a list", [{ title: "x" }], ["translations"]],
    ["no tag", {}, ["translations"]],
    ["a malformed tag", { "en-": { body: "x" } }, ["translations.en-"]],
    ["a private-use tag", { "x-klingon": { body: "x" } }, ["translations.x-klingon"]],
    ["an empty tag (reported on the map)", { "": { body: "x" } }, ["translations"]],
    [
      "a tag over 35 characters",
      { [`en-${"a".repeat(8)}-${"b".repeat(8)}-${"c".repeat(8)}-d`]: { body: "x" } },
      [`translations.en-${"a".repeat(8)}-${"b".repeat(8)}-${"c".repeat(8)}-d`],
    ],
    ["the same tag in another case", { "pt-BR": { body: "x" }, "pt-br": { body: "y" } }, ["translations.pt-br"]],
    ["the same tag in another spelling", { "pt-BR": { body: "x" }, pt_BR: { body: "y" } }, ["translations.pt_BR"]],
    ["a variant that is not a map", { ja: "こんにちは" }, ["translations.ja"]],
    ["a variant setting nothing", { ja: {} }, ["translations.ja"]],
    ["an unknown field in a variant", { ja: { title: "x", data: { k: "v" } } }, ["translations.ja.data"]],
    ["a typo in a variant", { ja: { imageURL: "https://cdn.example.com/ja.png" } }, ["translations.ja.imageURL"]],
    ["an empty title", { ja: { title: "" } }, ["translations.ja.title"]],
    ["a blank title", { ja: { title: "   " } }, ["translations.ja.title"]],
    ["a title that is not a string", { ja: { title: 5 } }, ["translations.ja.title"]],
    ["a body with a lone surrogate", { ja: { body: "\ud800" } }, ["translations.ja.body"]],
    ["an http image", { ja: { imageUrl: "http://cdn.example.com/ja.png" } }, ["translations.ja.imageUrl"]],
    ["a javascript: link", { ja: { link: "javascript:alert(1)" } }, ["translations.ja.link"]],
    ["null instead of a variant", { ja: null }, ["translations.ja"]],
  ])("%s", (_, translations, expected) => {
    expect(paths(doc(translations))).toStrictEqual(expected);
  });

  it(`more than ${MAX_TRANSLATIONS} tags`, () => {
    const many = Object.fromEntries(Array.from({ length: MAX_TRANSLATIONS + 1 }, (_, i) => [`en-${100 + i}`, { body: "x" }]));
    const found = details(doc(many));
    expect(found).toStrictEqual([{ path: "translations", message: `must have at most ${MAX_TRANSLATIONS} language tags, has ${MAX_TRANSLATIONS + 1}` }]);
  });

  it("says which tag a duplicate repeats", () => {
    expect(details(doc({ "zh-Hant": { body: "x" }, "ZH-HANT": { body: "y" } }))).toStrictEqual([
      { path: "translations.ZH-HANT", message: 'is the same language tag as "zh-Hant"' },
    ]);
  });

  it("reports every problem at once, next to the document's own", () => {
    const found = paths({ topic: "news", title: "", translations: { "en-": { body: "x" }, ja: { title: "" }, "pt-BR": { link: "ftp://x" } } });
    expect(found.sort()).toStrictEqual(["title", "translations.en-", "translations.ja.title", "translations.pt-BR.link"]);
  });
});

describe("every translation's FCM payload fits 4096 bytes", () => {
  // What FCM counts for the document without a body: the body text is added to it.
  const overhead = Buffer.byteLength(JSON.stringify({ notification: { title: "Sale", body: "" }, data: { notificationId: "x".repeat(ID_RESERVE) } }));
  const fits = MAX_PAYLOAD_BYTES - overhead;

  it("a translation of exactly 4096 bytes passes, one byte more is reported on its tag", () => {
    expect(parseNotification(doc({ ja: { body: "x".repeat(fits) } }), { now: NOW }).ok).toBe(true);
    const found = details(doc({ ja: { body: "x".repeat(fits + 1) } }));
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ path: "translations.ja" });
    expect(found[0]!.message).toContain('"ja" translation');
    expect(found[0]!.message).toContain(`${MAX_PAYLOAD_BYTES + 1} bytes`);
  });

  it("counts the document's fields a translation takes over (its data, its image when the variant has none)", () => {
    const image = `https://cdn.example.com/${"a".repeat(1000)}.png`;
    const data = { note: "n".repeat(1000) };
    // The document itself fits; its Japanese variant adds a long body to the inherited image and data.
    const d = doc({ ja: { body: "€".repeat(500) } }, { imageUrl: image, data, body: undefined });
    expect(paths(d)).toStrictEqual(["translations.ja"]);
  });

  it("counts bytes, not characters", () => {
    expect(paths(doc({ "pt-BR": { body: "€".repeat(1400) } }))).toStrictEqual(["translations.pt-BR"]);
    expect(parseNotification(doc({ "pt-BR": { body: "x".repeat(1400) } }), { now: NOW }).ok).toBe(true);
  });

  it("names each oversized translation, and the document when it is oversized too", () => {
    const big = "€".repeat(1400);
    expect(paths(doc({ ja: { body: big }, "pt-BR": { title: big }, fr: { body: "ok" } }, { body: big }))).toStrictEqual([
      "",
      "translations.ja",
      "translations.pt-BR",
    ]);
  });
});
