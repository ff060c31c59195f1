// The flags of `npm run send`: every flag, how they combine, and every usage error.
import { describe, expect, it } from "vitest";
import { DEFAULT_TIMEOUT_SECONDS, parseSendArgs, readTranslations, SEND_USAGE, type SendOptions } from "../../tools/send-args.js";

/** Parses arguments that must be valid and returns the options. */
function options(...argv: string[]): SendOptions & { help: false } {
  const result = parseSendArgs(argv);
  if (!result.ok) throw new Error(`expected valid arguments, got: ${result.error}`);
  if (result.value.help || result.value.mode !== "send") throw new Error("expected a notification to send");
  return result.value;
}

/** Parses arguments that must be rejected and returns the error message. */
function usageError(...argv: string[]): string {
  const result = parseSendArgs(argv);
  if (result.ok) throw new Error(`expected a usage error for ${JSON.stringify(argv)}`);
  expect(result.usage).toBe(SEND_USAGE);
  return result.error;
}

describe("parseSendArgs: building the notification document", () => {
  it("builds the minimal document with the default timeout and the emulators as target", () => {
    expect(options("--user", "u1", "--title", "Hello")).toEqual({
      help: false,
      mode: "send",
      notification: { userId: "u1", title: "Hello" },
      project: undefined,
      timeoutSeconds: DEFAULT_TIMEOUT_SECONDS,
    });
  });

  it("maps every flag to its field", () => {
    const parsed = options(
      "--user",
      "u1",
      "--title",
      "Summer sale",
      "--body",
      "50% off today",
      "--image",
      "https://cdn.example.com/sale.png",
      "--data",
      "promo=summer",
      "--link",
      "https://shop.example.com/sale",
      "--project",
      "my-project",
      "--timeout",
      "30",
    );
    expect(parsed).toEqual({
      help: false,
      mode: "send",
      notification: {
        userId: "u1",
        title: "Summer sale",
        body: "50% off today",
        imageUrl: "https://cdn.example.com/sale.png",
        data: { promo: "summer" },
        link: "https://shop.example.com/sale",
      },
      project: "my-project",
      timeoutSeconds: 30,
    });
  });

  it("accepts --flag=value, which also allows values that start with --", () => {
    expect(options("--user=u1", "--title=--odd--", "--body=a=b").notification).toEqual({ userId: "u1", title: "--odd--", body: "a=b" });
  });

  it("collects repeated --data, keeping every value a string and splitting only at the first '='", () => {
    const { notification } = options("--user", "u1", "--title", "T", "--data", "count=3", "--data", "vip=true", "--data", "q=a=b", "--data", "empty=");
    expect(notification.data).toEqual({ count: "3", vip: "true", q: "a=b", empty: "" });
  });

  it("keeps a --data key named __proto__ as an ordinary field", () => {
    const data = options("--user", "u1", "--title", "T", "--data", "__proto__=x").notification.data!;
    expect(Object.keys(data)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(data)).toBe(Object.prototype);
  });

  it("uses userIds when --user and --users name several uids, in order and without duplicates", () => {
    expect(options("--users", "a,b", "--user", "c", "--title", "T").notification).toEqual({ userIds: ["a", "b", "c"], title: "T" });
    expect(options("--user", "a", "--user", "b", "--title", "T").notification).toEqual({ userIds: ["a", "b"], title: "T" });
    expect(options("--user", "a", "--users", "a, b,", "--title", "T").notification).toEqual({ userIds: ["a", "b"], title: "T" });
  });

  it("uses userId when --users names a single uid", () => {
    expect(options("--users", "solo", "--title", "T").notification).toEqual({ userId: "solo", title: "T" });
  });

  it("leaves URL rules to the backend: an http:// image is passed on as written", () => {
    // The backend answers with status invalid and "imageUrl: must be an https:// URL" (see tools.test.ts).
    expect(options("--user", "u1", "--title", "T", "--image", "http://insecure.example.com/a.png").notification.imageUrl).toBe(
      "http://insecure.example.com/a.png",
    );
  });

  it("accepts a fractional timeout", () => {
    expect(options("--user", "u1", "--title", "T", "--timeout", "2.5").timeoutSeconds).toBe(2.5);
  });

  it("recognises --help and -h anywhere", () => {
    expect(parseSendArgs(["--help"])).toEqual({ ok: true, value: { help: true } });
    expect(parseSendArgs(["--user", "u1", "-h"])).toEqual({ ok: true, value: { help: true } });
  });
});

describe("parseSendArgs: usage errors", () => {
  it("rejects an unknown flag, naming it", () => {
    expect(usageError("--user", "u1", "--title", "T", "--imageUrl", "https://x.example/a.png")).toBe("unknown flag --imageUrl");
    expect(usageError("--user", "u1", "--title", "T", "--bogus=1")).toBe("unknown flag --bogus");
  });

  it("rejects a flag without a value: at the end, before another flag, or empty", () => {
    expect(usageError("--user", "u1", "--title")).toBe("--title needs a value");
    expect(usageError("--user", "--title", "T")).toBe("--user needs a value");
    expect(usageError("--user", "", "--title", "T")).toBe("--user needs a value");
    expect(usageError("--user", "u1", "--title=")).toBe("--title needs a value");
  });

  it("requires --title", () => {
    expect(usageError("--user", "u1", "--body", "no title")).toBe("--title is required");
  });

  it("requires exactly one kind of audience", () => {
    expect(usageError("--title", "T")).toBe("an audience is required: --user <uid>, --users <uid,uid,...>, --topic <name> or --broadcast");
    expect(usageError("--user", "u1", "--topic", "news", "--title", "T")).toBe("choose one audience: users (--user/--users), --topic or --broadcast");
    expect(usageError("--topic", "news", "--broadcast", "--title", "T")).toBe("choose one audience: users (--user/--users), --topic or --broadcast");
    expect(usageError("--users", ",", "--title", "T")).toBe("--users needs at least one uid (--users a,b)");
  });

  it("rejects --data without '=', with an empty key, or with a key given twice", () => {
    expect(usageError("--user", "u1", "--title", "T", "--data", "promo")).toBe('--data needs key=value, got "promo"');
    expect(usageError("--user", "u1", "--title", "T", "--data", "=x")).toBe(`--data needs a key before '=', got "=x"`);
    expect(usageError("--user", "u1", "--title", "T", "--data", "k=1", "--data", "k=2")).toBe("--data k is given twice");
  });

  it("rejects a single-valued flag given twice", () => {
    expect(usageError("--user", "u1", "--title", "A", "--title", "B")).toBe("--title is given twice");
    expect(usageError("--user", "u1", "--title", "A", "--project", "p", "--project", "q")).toBe("--project is given twice");
  });

  it("rejects a positional argument", () => {
    expect(usageError("--user", "u1", "--title", "Hello", "world")).toBe('unexpected argument "world" (every value follows its flag, e.g. --title "Hello")');
  });

  it("rejects a timeout that is not a number of seconds from 1 to 3600", () => {
    for (const bad of ["0", "-5", "abc", "1e3", "3601", "0.5"]) {
      expect(usageError("--user", "u1", "--title", "T", "--timeout", bad)).toBe(`--timeout must be a number of seconds from 1 to 3600, got "${bad}"`);
    }
  });
});

describe("parseSendArgs: audiences, schedules and cancelling", () => {
  it("--topic, --broadcast and --platforms", () => {
    expect(options("--topic", "sports", "--title", "T").notification).toEqual({ topic: "sports", title: "T" });
    expect(options("--broadcast", "--platforms", "ios, android", "--title", "T").notification).toEqual({
      broadcast: true,
      platforms: ["ios", "android"],
      title: "T",
    });
  });

  it("--at takes an ISO 8601 time with its offset; --local-time is passed on for the backend to check", () => {
    const parsed = options("--user", "u", "--title", "T", "--at", "2026-12-01T10:00:00+01:00", "--local-time", "09:00", "--dry-run");
    expect(parsed.sendAt).toEqual(new Date("2026-12-01T09:00:00Z"));
    expect(parsed.notification).toEqual({ userId: "u", title: "T", localTime: "09:00", dryRun: true });
    for (const bad of ["2026-12-01", "2026-12-01T09:00:00", "tomorrow", "2026-13-01T09:00:00Z"]) {
      expect(usageError("--user", "u", "--title", "T", "--at", bad)).toMatch(/^--at needs an ISO 8601 time with its offset/);
    }
  });

  it("--category and --critical set the recipient-control fields", () => {
    expect(options("--topic", "news", "--title", "T", "--category", "digest").notification).toEqual({ topic: "news", title: "T", category: "digest" });
    expect(options("--user", "u", "--title", "Code", "--critical").notification).toEqual({ userId: "u", title: "Code", critical: true });
    expect(usageError("--user", "u", "--title", "T", "--category")).toMatch(/--category/);
  });

  it("--cancel names the notification and takes only --project and --timeout", () => {
    expect(parseSendArgs(["--cancel", "n1", "--project", "p"])).toEqual({
      ok: true,
      value: { help: false, mode: "cancel", notificationId: "n1", project: "p", timeoutSeconds: DEFAULT_TIMEOUT_SECONDS },
    });
    expect(usageError("--cancel", "n1", "--title", "T")).toBe("--cancel takes only --project and --timeout besides the notification id");
  });

  it("a switch takes no value", () => {
    expect(usageError("--broadcast=yes", "--title", "T")).toBe("--broadcast takes no value");
  });
});

describe("--translations <file.json>", () => {
  const files: Record<string, string> = {
    "ok.json": JSON.stringify({ "pt-BR": { title: "Olá", body: "Tudo bem?" }, ja: { body: "こんにちは" } }),
    "bad-tag.json": JSON.stringify({ "en-": { body: "x" } }),
    "list.json": JSON.stringify([{ title: "x" }]),
    "null.json": "null",
    "broken.json": '{"pt-BR": {"title": "Olá"',
  };
  const read = (path: string) => {
    if (!(path in files)) throw new Error(`ENOENT: no such file or directory, open '${path}'`);
    return files[path]!;
  };

  it("names the file in the options, the tool reads it", () => {
    expect(options("--topic", "news", "--title", "T", "--translations", "ok.json").translationsFile).toBe("ok.json");
    expect(options("--topic", "news", "--title", "T")).not.toHaveProperty("translationsFile");
  });

  it("passes the file's object on as written: its tags and fields are the backend's to check", () => {
    expect(readTranslations("ok.json", read)).toEqual({ ok: true, value: { "pt-BR": { title: "Olá", body: "Tudo bem?" }, ja: { body: "こんにちは" } } });
    expect(readTranslations("bad-tag.json", read)).toEqual({ ok: true, value: { "en-": { body: "x" } } });
  });

  it("refuses a missing file, broken JSON, and JSON that is not an object, naming the file", () => {
    expect(readTranslations("missing.json", read)).toEqual({
      ok: false,
      error: "--translations: cannot read missing.json: ENOENT: no such file or directory, open 'missing.json'",
    });
    const broken = readTranslations("broken.json", read);
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.error).toMatch(/^--translations: broken\.json is not JSON: /);
    for (const path of ["list.json", "null.json"]) {
      expect(readTranslations(path, read)).toEqual({
        ok: false,
        error: `--translations: ${path} must hold a JSON object of language tags, e.g. {"pt-BR": {"title": "Olá"}}`,
      });
    }
  });

  it("takes the flag once, with a value", () => {
    expect(usageError("--topic", "n", "--title", "T", "--translations")).toBe("--translations needs a value");
    expect(usageError("--topic", "n", "--title", "T", "--translations", "a.json", "--translations", "b.json")).toBe("--translations is given twice");
  });
});

describe("SEND_USAGE", () => {
  it("documents every flag and the exit statuses", () => {
    for (const flag of [
      "--user",
      "--users",
      "--topic",
      "--broadcast",
      "--platforms",
      "--at",
      "--local-time",
      "--cancel",
      "--dry-run",
      "--title",
      "--body",
      "--image",
      "--data",
      "--link",
      "--translations",
      "--project",
      "--timeout",
      "--help",
    ]) {
      expect(SEND_USAGE).toContain(flag);
    }
    expect(SEND_USAGE).toMatch(/^Usage: npm run send -- --user <uid> --title <text>/);
    expect(SEND_USAGE).toContain("Exit status: 0 sent, partial, no-devices, scheduled (or cancelled, with --cancel); 1 failed,");
  });
});
