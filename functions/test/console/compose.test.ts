// Composing in the browser: a notification with an image reaches the demo devices and its page
// follows it live to `sent`; invalid input is refused next to the fields, before anything is written.
import type { Page } from "puppeteer-core";
import { beforeAll, describe, expect, it } from "vitest";
import { db, uniqueId } from "../helpers/emulator";
import {
  type ConsolePage,
  consoleSuite,
  currentRoute,
  drawBanner,
  expectAccessible,
  fill,
  IMAGE_ORIGIN,
  screenshot,
  serveImages,
  texts,
  waitForImages,
  waitForRoute,
  waitForText,
} from "./console-app";

const suite = consoleSuite();
let banner: Uint8Array;

beforeAll(async () => {
  banner = await drawBanner(suite.browser);
});

/** A signed-in admin on the compose page. */
async function openComposer(): Promise<ConsolePage> {
  const opened = await suite.openAsAdmin("#/compose");
  await serveImages(opened.page, banner);
  await waitForText(opened.page, "h1", "Compose");
  return opened;
}

const errorOf = (page: Page, field: string) => page.$eval(`#field-${field}-error`, (e) => e.textContent ?? "");

describe("composing a notification", () => {
  it("sends one with an image to a user's devices and shows it turn sent live, with its deliveries", async () => {
    const { page, errors, close } = await openComposer();
    const title = `Summer launch ${uniqueId("c")}`;
    await page.type("#field-userId", suite.recipient.uid);
    await page.type("#field-title", title);
    await page.type("#field-body", "The new collection is here: 30% off for early birds.");
    await page.type("#field-imageUrl", `${IMAGE_ORIGIN}summer.png`);
    await page.type("#field-link", "https://shop.example.com/summer");
    await page.click("::-p-text(Add data field)");
    await page.type("[aria-label='Key 1']", "promo");
    await page.type("[aria-label='Value 1']", "summer-30");

    // The preview follows the form: the same title on all three systems, the image, the link's host.
    expect(await texts(page, ".android-card__title, .ios-card__title, .web-card__title")).toEqual([title, title, title]);
    expect(await texts(page, ".web-card__host")).toEqual(["shop.example.com"]);
    await waitForImages(page, 3);
    await expectAccessible(page, "the compose page");
    await screenshot(page, "compose", 960);

    await page.click("::-p-text(Send notification)");
    const id = decodeURIComponent((await waitForRoute(page, "#/notifications/")).slice("#/notifications/".length));
    // The page was never reloaded: the badge changes as the backend writes the status.
    await waitForText(page, ".status-card .badge", "Sent", 30_000);
    const stored = (await db.doc(`notifications/${id}`).get()).data();
    expect(stored).toMatchObject({
      userId: suite.recipient.uid,
      title,
      imageUrl: `${IMAGE_ORIGIN}summer.png`,
      link: "https://shop.example.com/summer",
      data: { promo: "summer-30" },
      status: "sent",
      stats: { recipients: 1, devices: 3, sent: 3, failed: 0, removed: 0 },
    });

    await waitForText(page, "section[aria-labelledby=deliveries-title]", "Showing 1–3");
    expect(await texts(page, "section[aria-labelledby=deliveries-title] tbody td:nth-child(3)")).toEqual(["sent", "sent", "sent"]);
    expect(await texts(page, "section[aria-labelledby=deliveries-title] tbody td:nth-child(2)")).toEqual([
      suite.recipient.uid,
      suite.recipient.uid,
      suite.recipient.uid,
    ]);
    // Each device's kind of identifier, never the identifier: the Android device registered by its FID.
    const kinds = (await texts(page, "section[aria-labelledby=deliveries-title] tbody td:first-child .muted")).sort();
    expect(kinds).toEqual(["FID", "token", "token"]);
    await waitForImages(page, 3);
    await expectAccessible(page, "the notification page");
    await screenshot(page, "notification", 960);
    expect(errors).toEqual([]);
    await close();
  });

  it("shows each problem next to its field, opens the section that holds it, and writes nothing", async () => {
    const { page, close } = await openComposer();
    const missing = uniqueId("uid");
    await page.click("input[type=radio][value=users]");
    await page.type("#field-userIds", `${missing}\nsomeone-else\n${missing}`);
    await page.type("#field-imageUrl", "http://images.example.com/a.png");
    await page.click("::-p-text(Add data field)");
    await page.type("[aria-label='Key 1']", "from");
    await page.type("[aria-label='Value 1']", "console");
    await page.click("::-p-text(Android options)");
    await page.type("#field-android-color", "red");
    await page.click("::-p-text(Android options)"); // closed again: the error must reopen it

    await page.click("::-p-text(Send notification)");
    await waitForText(page, "[role=alert]", "Fix these 5 problems before sending");
    expect(await errorOf(page, "title")).toContain("must not be empty");
    expect(await errorOf(page, "userIds")).toContain(`Entry 3: duplicate uid "${missing}"`);
    expect(await errorOf(page, "imageUrl")).toContain("must be an https:// URL");
    expect(await errorOf(page, "data")).toContain('"from" is a reserved key');
    expect(await errorOf(page, "android-color")).toContain("must be a #rrggbb hex color");
    expect(await page.$eval("#field-title", (e) => e.getAttribute("aria-invalid"))).toBe("true");
    expect(await page.$eval("#field-android-color", (e) => e.closest("details")?.hasAttribute("open"))).toBe(true);
    expect(await currentRoute(page)).toBe("#/compose");
    await expectAccessible(page, "the compose page with errors");
    await screenshot(page, "compose-errors");

    const written = await db.collection("notifications").where("userIds", "array-contains", missing).get();
    expect(written.size).toBe(0);
    await close();
  });

  it("reports a payload over FCM's 4096 bytes for the whole form, not for one field", async () => {
    const { page, close } = await openComposer();
    await page.type("#field-userId", suite.recipient.uid);
    await page.type("#field-title", "Too long");
    await fill(page, "#field-body", "x".repeat(4200));
    await page.click("::-p-text(Send notification)");
    const summary = await waitForText(page, "[role=alert]", "FCM payload");
    expect(summary).toContain("FCM's limit is 4096 bytes");
    expect(await page.$$("[aria-invalid=true]")).toHaveLength(0);
    await close();
  });

  it("adds and removes translations, previews each language, and the deliveries say which language each device got", async () => {
    const { page, errors, close } = await openComposer();
    const title = `Launch ${uniqueId("t")}`;
    await page.type("#field-userId", suite.recipient.uid);
    await page.type("#field-title", title);
    await page.type("#field-body", "Tap to see what is new.");
    await page.click("::-p-text(Translations)");
    // Two translations, then the first removed: only the other is written.
    await page.click("::-p-text(Add translation)");
    await page.type("::-p-aria(Language tag 1)", "pt-BR");
    await page.type("#field-translations-pt-BR-title", "Lançamento");
    await page.click("::-p-text(Add translation)");
    // The demo user's devices are registered in en-GB: an `en` translation is theirs.
    await page.type("::-p-aria(Language tag 2)", "en");
    await page.type("#field-translations-en-body", "Tap for the new collection, British edition.");
    await page.click("::-p-aria(Remove translation 1)");
    expect(await page.$("#field-translations-pt-BR-title")).toBeNull();

    // The preview in each language, on every platform: the translation's body, the message's title.
    await page.select("#field-previewLanguage", await page.$eval("#field-previewLanguage option:nth-child(2)", (o) => o.getAttribute("value") ?? ""));
    expect(await texts(page, ".android-card__title, .ios-card__title, .web-card__title")).toEqual([title, title, title]);
    expect(await texts(page, ".android-card__body, .ios-card__body, .web-card__body")).toEqual(Array(3).fill("Tap for the new collection, British edition."));
    await page.select("#field-previewLanguage", "");
    expect(await texts(page, ".android-card__body")).toEqual(["Tap to see what is new."]);
    await expectAccessible(page, "the compose page with translations");

    await page.click("::-p-text(Send notification)");
    const id = decodeURIComponent((await waitForRoute(page, "#/notifications/")).slice("#/notifications/".length));
    await waitForText(page, ".status-card .badge", "Sent", 30_000);
    expect((await db.doc(`notifications/${id}`).get()).get("translations")).toEqual({ en: { body: "Tap for the new collection, British edition." } });
    await waitForText(page, "section[aria-labelledby=deliveries-title]", "Showing 1–3");
    expect(await texts(page, "section[aria-labelledby=deliveries-title] .table-card:last-of-type tbody td:nth-child(4)")).toEqual(["en", "en", "en"]);
    // Counted per language (recounted when the backend writes its stats): the three devices got `en`, none the message itself.
    const perLanguage = await waitForText(page, "section[aria-labelledby=deliveries-title] table", ["Deliveries per language", "en3100%"]);
    expect(perLanguage).toContain("The message itself (no translation)00%");
    await expectAccessible(page, "the notification page with translations");
    expect(errors).toEqual([]);
    await close();
  });

  it("shows a translation's problems on its row and writes nothing", async () => {
    const { page, close } = await openComposer();
    const missing = uniqueId("uid");
    await page.type("#field-userId", missing);
    await page.type("#field-title", "Hello");
    await page.click("::-p-text(Translations)");
    await page.click("::-p-text(Add translation)");
    await page.type("::-p-aria(Language tag 1)", "en-");
    await page.type("#field-translations-en-body", "x");
    await page.click("::-p-text(Add translation)");
    await page.type("::-p-aria(Language tag 2)", "ja");
    await page.type("#field-translations-ja-title", " ");
    await page.type("#field-translations-ja-imageUrl", "http://cdn.example.com/ja.png");
    await page.click("::-p-text(Send notification)");
    await waitForText(page, "[role=alert]", "Fix these 3 problems before sending");
    expect(await errorOf(page, "translations-en-")).toContain("BCP 47");
    expect(await errorOf(page, "translations-ja-title")).toContain("must not be blank");
    expect(await errorOf(page, "translations-ja-imageUrl")).toContain("must be an https:// URL");
    expect(await currentRoute(page)).toBe("#/compose");
    expect((await db.collection("notifications").where("userId", "==", missing).get()).size).toBe(0);
    await close();
  });
});
