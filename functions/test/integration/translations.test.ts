// Localized notifications end to end (CONTRACT.md §1 Localization): each device gets the translation
// of its registered locale, the delivery says which, registration stores locales canonical, and bad
// translations end the notification `invalid` with their paths.
import { describe, expect, it } from "vitest";
import { callFunction, createUser, db, uniqueId } from "../helpers/emulator";
import { deliveriesOf, outboxOf, type SeedDevice, seedDevices, sendNotification, sha256, waitForOutcome } from "../helpers/notifications";

const TYPES = ["ios", "android", "web"] as const;
const EN = { title: "Flash sale", body: "Everything 50% off until midnight", imageUrl: "https://cdn.example.com/en.png", link: "https://shop.example.com/en" };
const TRANSLATIONS = {
  "pt-BR": { title: "Promoção relâmpago", body: "Tudo com 50% de desconto até meia-noite", link: "https://shop.example.com/pt" },
  ja: { body: "深夜まで全品50%オフ" },
  "zh-Hant": { title: "限時搶購", body: "全場五折，直到午夜", imageUrl: "https://cdn.example.com/zh.png" },
};
/** Device locale -> the translation it must get (undefined: the document's own English). */
const LOCALES: Array<[string, keyof typeof TRANSLATIONS | undefined]> = [
  ["pt-BR", "pt-BR"],
  // No pt-PT translation: the other Portuguese one.
  ["pt-PT", "pt-BR"],
  ["ja-JP", "ja"],
  ["zh-Hant-TW", "zh-Hant"],
  ["en-US", undefined],
];

describe("a topic notification with three translations", () => {
  it("600 devices in five locales: each device is sent its variant, and its delivery names it", async () => {
    const topic = uniqueId("i18n-topic");
    const base = uniqueId("i18n");
    const devices: SeedDevice[] = Array.from({ length: 600 }, (_, i) => ({
      uid: `${base}-u${i % 120}`,
      token: `${base}-t${i}`,
      type: TYPES[i % 3],
      topics: [topic],
      locale: LOCALES[i % LOCALES.length]![0],
    }));
    await seedDevices(devices);
    const id = await sendNotification({ topic, ...EN, data: { promo: "flash" }, translations: TRANSLATIONS });

    const outcome = await waitForOutcome(id, 180_000);
    expect(outcome.status).toBe("sent");
    expect(outcome.stats).toEqual({ devices: 600, sent: 600, failed: 0, removed: 0, skipped: 0, held: 0 });

    const outbox = new Map((await outboxOf(id)).filter((o) => o.outcome === "sent").map((o) => [o.deviceId as string, o.message]));
    const deliveries = await deliveriesOf(id);
    expect(outbox.size).toBe(600);
    const wrong: string[] = [];
    devices.forEach((d, i) => {
      const tag = LOCALES[i % LOCALES.length]![1];
      const want = { ...EN, ...(tag ? TRANSLATIONS[tag] : {}) };
      const message = outbox.get(sha256(d.token!));
      const delivery = deliveries[sha256(d.token!)];
      const got = {
        title: message?.notification?.title,
        body: message?.notification?.body,
        imageUrl: message?.notification?.imageUrl,
        link: message?.data?.link,
        webTitle: message?.webpush?.notification?.title,
        locale: delivery?.locale,
      };
      const expected = { ...want, webTitle: want.title, locale: tag };
      if (JSON.stringify(got) !== JSON.stringify(expected)) wrong.push(`${d.locale}: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`);
      if (message?.data?.promo !== "flash") wrong.push(`${d.locale}: lost the document's data`);
    });
    expect(wrong.slice(0, 5), `${wrong.length} devices got the wrong variant`).toEqual([]);
    const perLocale = Object.values(deliveries).reduce<Record<string, number>>(
      (n, d) => ({ ...n, [d.locale ?? "(document)"]: (n[d.locale ?? "(document)"] ?? 0) + 1 }),
      {},
    );
    expect(perLocale).toEqual({ "pt-BR": 240, ja: 120, "zh-Hant": 120, "(document)": 120 });
    // The document's own English went without a `locale` field at all.
    const english = devices.find((d) => d.locale === "en-US")!;
    expect(Object.hasOwn(deliveries[sha256(english.token!)], "locale")).toBe(false);
  }, 240_000);
});

describe("invalid translations end the notification invalid, with their paths, sending nothing", () => {
  const cases: Array<[string, unknown, string[]]> = [
    ["a malformed tag and a private-use one", { "en-": { body: "x" }, "x-klingon": { body: "y" } }, ["translations.en-", "translations.x-klingon"]],
    ["the same tag in two cases", { "pt-BR": { body: "a" }, "PT-br": { body: "b" } }, ["translations.PT-br"]],
    ["an empty map", {}, ["translations"]],
    [
      "a variant's fields under the document's rules",
      { ja: { title: " ", imageUrl: "http://cdn.example.com/i.png", imageURL: "x" } },
      ["translations.ja.title", "translations.ja.imageUrl", "translations.ja.imageURL"],
    ],
    ["a variant too big for FCM", { ja: { body: "€".repeat(1400) } }, ["translations.ja"]],
    ["51 tags", Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`en-${100 + i}`, { body: "b" }])), ["translations"]],
  ];

  it.each(cases)("%s", async (_, translations, paths) => {
    const user = await createUser();
    await callFunction("registerDevice", { token: uniqueId("i18n-bad"), type: "android", locale: "ja-JP" }, user.idToken);
    const id = await sendNotification({ userId: user.uid, title: "Hello", translations });
    const outcome = await waitForOutcome(id);
    expect(outcome.status).toBe("invalid");
    expect(outcome.error.code).toBe("invalid-argument");
    expect(outcome.error.details.map((d: { path: string }) => d.path).sort()).toEqual([...paths].sort());
    expect(await outboxOf(id)).toEqual([]);
  });
});

describe("registerDevice's locale", () => {
  it("is stored canonical: pt-br, PT_BR and ' zh-hant-tw ' become pt-BR and zh-Hant-TW", async () => {
    const user = await createUser();
    for (const [locale, stored] of [
      ["pt-br", "pt-BR"],
      ["PT_BR", "pt-BR"],
      [" zh-hant-tw ", "zh-Hant-TW"],
      [null, null],
    ] as const) {
      const token = uniqueId("i18n-reg");
      const res = await callFunction("registerDevice", { token, type: "ios", locale }, user.idToken);
      expect(res.status).toBe(200);
      expect((await db.doc(`users/${user.uid}/devices/${sha256(token)}`).get()).get("locale")).toBe(stored);
    }
  });

  it.each(["en_US.UTF-8", "", "english language", "x-private", "en-", 42])("refuses %j with the path locale", async (locale) => {
    const user = await createUser();
    const res = await callFunction("registerDevice", { token: uniqueId("i18n-reg"), type: "ios", locale }, user.idToken);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: "locale", message: expect.any(String) }]);
    expect((await db.collection(`users/${user.uid}/devices`).get()).size).toBe(0);
  });
});
