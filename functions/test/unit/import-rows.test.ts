// `npm run import`'s pure parts: reading CSV, fcm-django and FlutterFlow rows, checking each with the
// registerDevice schema, and choosing one row per token and at most the cap per user.
import { Timestamp } from "firebase-admin/firestore";
import { describe, expect, it } from "vitest";
import { alreadyStored, checkRow, lanesOf, uidProblem, withinCap, withoutDuplicates } from "../../tools/import/importer";
import { fromCsv, fromFcmDjango, fromFlutterFlow, parseCsv, SourceError, type SourceRow } from "../../tools/import/rows";

const valid = (rows: SourceRow[]) => rows.map(checkRow).filter((r) => "input" in r) as Array<Exclude<ReturnType<typeof checkRow>, { kind: string }>>;

describe("CSV", () => {
  it("reads quotes, doubled quotes, commas and line breaks inside quotes, CRLF and a BOM", () => {
    const text = '\uFEFFuid,token,name\r\nu1,t1,"Ada\'s ""work"" phone, old"\r\nu2,t2,"two\nlines"\r\n\r\n';
    expect(parseCsv(text)).toEqual([
      ["uid", "token", "name"],
      ["u1", "t1", 'Ada\'s "work" phone, old'],
      ["u2", "t2", "two\nlines"],
    ]);
  });

  it("refuses a quote that is never closed, and a file without a uid column", () => {
    expect(() => parseCsv('uid,token\nu1,"t1\n')).toThrow(SourceError);
    expect(() => fromCsv("user,token,type\nu1,t1,ios\n")).toThrow(/no "uid" column/);
  });

  it("turns a row into the registerDevice request: empty cells omitted, topics split, types lower-cased", () => {
    const [row] = fromCsv("uid,token,type,name,locale,timezone,topics,active\nu1,tok-1,iOS,,pt-BR,Europe/Lisbon,news sports;deals,false\n");
    expect(row).toEqual({
      row: "1",
      uid: "u1",
      request: { token: "tok-1", type: "ios", locale: "pt-BR", timezone: "Europe/Lisbon", topics: ["news", "sports", "deals"], active: false },
    });
    expect(checkRow(row!)).toMatchObject({ uid: "u1", input: { token: "tok-1", type: "ios", active: false, topics: ["news", "sports", "deals"] } });
  });

  it("takes a token or an FID per row from a file with both columns (the cell a row leaves empty is omitted)", () => {
    const [byToken, byFid] = fromCsv("uid,token,fid,type\nu1,tok-1,,android\nu2,,fid-2,android\n");
    expect(byToken!.request).toEqual({ token: "tok-1", type: "android" });
    expect(byFid!.request).toEqual({ fid: "fid-2", type: "android" });
    expect(checkRow(byFid!)).toMatchObject({ uid: "u2", input: { fid: "fid-2", type: "android" } });
  });

  it("passes an unknown column to the schema, which refuses it like the callable does", () => {
    const [row] = fromCsv("uid,token,type,color\nu1,tok-1,web,red\n");
    expect(checkRow(row!)).toMatchObject({ kind: expect.stringContaining("color") });
  });
});

describe("fcm-django", () => {
  it("reads a manage.py dumpdata JSON: types mapped, inactive kept as logged out, user ids as strings", () => {
    const dump = JSON.stringify([
      {
        model: "fcm_django.fcmdevice",
        pk: 1,
        fields: { registration_id: "r1", type: "android", user_id: 42, active: true, date_created: "2024-01-02T03:04:05Z", name: "Pixel" },
      },
      { model: "fcm_django.fcmdevice", pk: 2, fields: { registration_id: "r2", type: "IOS", user_id: 42, active: false, date_created: null, name: null } },
      { model: "fcm_django.fcmdevice", pk: 3, fields: { registration_id: "r3", type: "web", user_id: null, active: true } },
    ]);
    const rows = fromFcmDjango(dump);
    expect(rows[0]).toEqual({
      row: "1",
      uid: "42",
      request: { token: "r1", type: "android", active: true, name: "Pixel" },
      createdMillis: Date.parse("2024-01-02T03:04:05Z"),
    });
    expect(checkRow(rows[1]!)).toMatchObject({ uid: "42", input: { token: "r2", type: "ios", active: false } });
    expect(checkRow(rows[2]!)).toMatchObject({ kind: "uid: no user" });
  });

  it("reads plain JSON records and a CSV dump (psql's t/f booleans)", () => {
    expect(fromFcmDjango('[{"registration_id":"r1","type":"web","user_id":"7","active":"t"}]')[0]!.request).toEqual({ token: "r1", type: "web", active: true });
    const [row] = fromFcmDjango("id,name,active,user_id,date_created,device_id,registration_id,type\n1,,f,7,2024-05-01 10:00:00+00,,r9,android\n");
    expect(row).toMatchObject({ uid: "7", request: { token: "r9", type: "android", active: false } });
  });

  it("refuses a JSON dump that does not parse or is not a list", () => {
    expect(() => fromFcmDjango("[{")).toThrow(SourceError);
    expect(() => fromFcmDjango('{"registration_id":"r1"}')).not.toThrow(); // read as CSV: one header row, no devices
    expect(fromFcmDjango('{"registration_id":"r1"}')).toEqual([]);
  });
});

describe("FlutterFlow", () => {
  it("takes the uid from users/{uid}/fcm_tokens/{id} and the type from device_type", () => {
    const created = Timestamp.fromMillis(1_700_000_000_000);
    expect(fromFlutterFlow("users/abc/fcm_tokens/x1", { fcm_token: "t", device_type: "Android", created_at: created })).toEqual({
      row: "users/abc/fcm_tokens/x1",
      uid: "abc",
      request: { token: "t", type: "android" },
      createdMillis: 1_700_000_000_000,
    });
    expect(fromFlutterFlow("teams/abc/fcm_tokens/x1", { fcm_token: "t", device_type: "iOS" }).uid).toBeUndefined();
  });
});

describe("hostile rows", () => {
  const row = (uid: unknown, request: Record<string, unknown>): SourceRow => ({ row: "1", uid, request });

  it.each([
    ["an empty token", row("u1", { token: "", type: "ios" }), "token: must not be empty"],
    ["a 5,000-character token", row("u1", { token: "x".repeat(5000), type: "ios" }), "token: must be at most 4096 characters"],
    ["a token with a space", row("u1", { token: "a b", type: "ios" }), "token: must not contain whitespace or control characters"],
    ["an unknown type", row("u1", { token: "t", type: "blackberry" }), "type: must be one of ios, android, web"],
    [
      "no token at all",
      row("u1", { type: "ios" }),
      "token: is required: send exactly one of token (FCM registration token) and fid (Firebase Installation ID)",
    ],
    [
      "both a token and an FID",
      row("u1", { token: "t", fid: "f", type: "ios" }),
      "fid: must not be sent together with token: send exactly one of token and fid",
    ],
  ])("skips %s with the schema's reason", (_name, source, kind) => {
    expect(checkRow(source)).toMatchObject({ kind });
  });

  it.each([
    [undefined, "uid: no user"],
    ["", "uid: no user"],
    [42, "uid: must be a string"],
    ["a/b", "uid: cannot name a user document ('/', '.', '..' or '__name__')"],
    ["..", "uid: cannot name a user document ('/', '.', '..' or '__name__')"],
    ["__id__", "uid: cannot name a user document ('/', '.', '..' or '__name__')"],
    ["u".repeat(129), "uid: must be at most 128 characters"],
    ["a b", "uid: must not contain whitespace or control characters"],
  ])("refuses the uid %j", (uid, problem) => {
    expect(uidProblem(uid)).toBe(problem);
  });

  it("a token listed for two users goes to the newest row; the other is skipped naming it", () => {
    const rows: SourceRow[] = [
      { row: "1", uid: "old-owner", request: { token: "shared", type: "ios" }, createdMillis: 1000 },
      { row: "2", uid: "new-owner", request: { token: "shared", type: "ios" }, createdMillis: 2000 },
      { row: "3", uid: "new-owner", request: { token: "other", type: "web" } },
    ];
    const created = new Map(rows.map((r) => [r.row, r.createdMillis]));
    const reversed = withoutDuplicates(valid([...rows].reverse()), created);
    const { kept, skipped } = withoutDuplicates(valid(rows), created);
    expect(kept.map((r) => r.row)).toEqual(["2", "3"]);
    expect(reversed.kept.map((r) => r.row).sort()).toEqual(["2", "3"]);
    expect(skipped).toEqual([
      { row: "1", uid: "old-owner", kind: "duplicate token (a newer row imports it)", reason: "duplicate token: row 2 imports it for user new-owner" },
    ]);
  });

  it("at most the cap per user: the newest rows", () => {
    const rows = valid(Array.from({ length: 5 }, (_, i) => ({ row: String(i + 1), uid: "u", request: { token: `t${i}`, type: "web" } })));
    const { kept, skipped } = withinCap(rows, new Map(), 3);
    expect(kept.map((r) => r.row)).toEqual(["3", "4", "5"]);
    expect(skipped.map((s) => s.row)).toEqual(["1", "2"]);
  });

  it("rows that share a user or a token run in one lane, in order", () => {
    const rows = valid([
      { row: "1", uid: "a", request: { token: "t1", type: "web" } },
      { row: "2", uid: "b", request: { token: "t2", type: "web" } },
      { row: "3", uid: "c", request: { token: "t1", type: "web" } },
      { row: "4", uid: "a", request: { token: "t4", type: "web" } },
    ]);
    expect(lanesOf(rows).map((lane) => lane.map((r) => r.row))).toEqual([["1", "3", "4"], ["2"]]);
  });

  it("a stored device that already says what the row says needs no write", () => {
    const [r] = valid([{ row: "1", uid: "u", request: { token: "t", type: "ios", name: "Phone", topics: ["a"] } }]);
    const now = Timestamp.now();
    const stored = {
      token: "t",
      deviceId: r!.deviceId,
      userId: "u",
      type: "ios" as const,
      name: "Phone",
      active: true,
      createdAt: now,
      updatedAt: now,
      lastSeenAt: now,
      appVersion: null,
      locale: "fr",
      timezone: null,
      topics: ["a"],
      purgeShard: 0,
    };
    expect(alreadyStored(stored, r!)).toBe(true);
    expect(alreadyStored({ ...stored, name: "Other" }, r!)).toBe(false);
    expect(alreadyStored({ ...stored, userId: "v" }, r!)).toBe(false);
    expect(alreadyStored({ ...stored, topics: ["a", "b"] }, r!)).toBe(false);
    expect(alreadyStored(undefined, r!)).toBe(false);
  });
});
