// The message each device gets from a notification with translations: its variant, with the
// document's fields where the variant has none, each variant built once however many devices share it.
import { dirname, join } from "node:path";
import type { Message } from "firebase-admin/messaging";
import { describe, expect, it } from "vitest";
import { buildMessage, localizedMessages } from "../../src/notifications/message.js";
import { type NotificationInput, parseNotification } from "../../src/notifications/schema.js";

const ID = "n-translations";
const NOW = new Date("2026-12-02T10:00:00Z");
const EN_IMAGE = "https://cdn.example.com/en.png";
const DOC = {
  topic: "news",
  title: "Flash sale",
  body: "Everything 50% off until midnight",
  imageUrl: EN_IMAGE,
  link: "https://shop.example.com/en",
  data: { promo: "flash" },
  translations: {
    "pt-BR": { title: "Promoção relâmpago", body: "Tudo com 50% de desconto até meia-noite", link: "https://shop.example.com/pt" },
    ja: { body: "深夜まで全品50%オフ" },
    "zh-Hant": { title: "限時搶購", imageUrl: "https://cdn.example.com/zh.png" },
  },
};

function input(doc: Record<string, unknown>): NotificationInput {
  const result = parseNotification(doc);
  if (!result.ok) throw new Error(`invalid test document: ${JSON.stringify(result.details)}`);
  return result.value;
}

const { validateMessage } = require(join(dirname(require.resolve("firebase-admin/messaging")), "messaging-internal.js")) as {
  validateMessage: (message: Message) => void;
};

describe("localizedMessages", () => {
  const n = input(DOC);

  it("a device without a translation of its language gets exactly the document's message, and no locale", () => {
    for (const locale of [null, "en-US", "fr", "nonsense!"]) {
      const { locale: used, content } = localizedMessages(ID, n, NOW)(locale);
      expect(used).toBeUndefined();
      expect({ ...content, token: "t" }).toStrictEqual(buildMessage(ID, n, { token: "t" }, NOW));
    }
  });

  it("a full translation replaces title, body and link everywhere the message carries them, and keeps the rest", () => {
    const { locale, content } = localizedMessages(ID, n, NOW)("pt-br");
    expect(locale).toBe("pt-BR");
    const pt = DOC.translations["pt-BR"];
    expect(content.notification).toStrictEqual({ title: pt.title, body: pt.body, imageUrl: EN_IMAGE });
    expect(content.webpush?.notification).toMatchObject({ title: pt.title, body: pt.body, image: EN_IMAGE });
    expect(content.webpush?.fcmOptions).toStrictEqual({ link: pt.link });
    expect(content.data).toStrictEqual({ imageUrl: EN_IMAGE, link: pt.link, promo: "flash", notificationId: ID });
    // The collapse identity stays the notification's: a resend in another language still replaces it.
    expect(content.android?.notification?.tag).toBe(ID);
  });

  it("a variant with only body keeps the document's title, image and link", () => {
    const { locale, content } = localizedMessages(ID, n, NOW)("ja-JP");
    expect(locale).toBe("ja");
    expect(content.notification).toStrictEqual({ title: DOC.title, body: DOC.translations.ja.body, imageUrl: EN_IMAGE });
    expect(content.data?.link).toBe(DOC.link);
  });

  it("a variant's image goes wherever the document's would", () => {
    const { content } = localizedMessages(ID, n, NOW)("zh-TW");
    const zh = DOC.translations["zh-Hant"].imageUrl;
    expect([
      content.notification?.imageUrl,
      content.android?.notification?.imageUrl,
      content.apns?.fcmOptions?.imageUrl,
      content.webpush?.notification?.image,
      content.data?.imageUrl,
    ]).toStrictEqual([zh, zh, zh, zh, zh]);
    expect(content.notification?.body).toBe(DOC.body);
  });

  it("builds each variant once, then shares it between devices (the batch adds each device's token)", () => {
    const messageFor = localizedMessages(ID, n, NOW);
    const devices = ["pt-BR", "pt-PT", "pt", "PT-BR", "ja", "ja-JP", "en", null, "de"];
    const built = new Set(devices.map((locale) => messageFor(locale).content));
    // pt-BR (four Portuguese devices), ja (two), and the document's own content (three).
    expect(built.size).toBe(3);
    expect(messageFor("pt-PT")).toBe(messageFor("pt-BR"));
  });

  it("every variant is a message firebase-admin accepts", () => {
    const messageFor = localizedMessages(ID, n, NOW);
    for (const locale of ["pt-BR", "ja", "zh-Hant", null]) expect(() => validateMessage({ ...messageFor(locale).content, token: "t" })).not.toThrow();
  });
});
