// A device's address (token or Firebase Installation ID) and the deviceId derived from it (CONTRACT.md §1).
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { addressOf, deviceIdOf, identifierOf, kindOf, replacedDeviceIds } from "../../src/devices/address.js";
import { registerDeviceRequestSchema, tokenSchema } from "../../src/devices/schema.js";

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("deviceIdOf", () => {
  it("is the SHA-256 of a token, and of 'fid:' + an FID, so the same string as token and as FID are two devices", () => {
    expect(deviceIdOf({ token: "abc" })).toBe(sha256("abc"));
    expect(deviceIdOf({ fid: "abc" })).toBe(sha256("fid:abc"));
    expect(deviceIdOf({ fid: "abc" })).not.toBe(deviceIdOf({ token: "abc" }));
    // The one token that would share an FID device's id starts with "fid:", which registration
    // refuses (see the schema's test below).
    expect(deviceIdOf({ token: "fid:abc" })).toBe(deviceIdOf({ fid: "abc" }));
    expect(deviceIdOf("abc")).toBe(deviceIdOf({ token: "abc" }));
    expect(deviceIdOf({ fid: "cXmHGY4fRfGA8WcxZyVcaU" })).toMatch(/^[0-9a-f]{64}$/);
  });

  it("hashes UTF-8, so non-ASCII identifiers have stable ids", () => {
    expect(deviceIdOf({ fid: "é" })).toBe(createHash("sha256").update(Buffer.from("fid:é", "utf8")).digest("hex"));
  });
});

describe("the address helpers", () => {
  it("keep only the address of a larger object, and say its kind", () => {
    const device = { fid: "f1", userId: "u", type: "web" as const };
    expect(addressOf(device)).toStrictEqual({ fid: "f1" });
    const tokenDevice = { token: "t1", userId: "u" };
    expect(addressOf(tokenDevice)).toStrictEqual({ token: "t1" });
    expect(kindOf(device)).toBe("fid");
    expect(kindOf({ token: "t1" })).toBe("token");
    expect(identifierOf({ fid: "f1" })).toBe("f1");
    expect(identifierOf({ token: "t1" })).toBe("t1");
  });

  it("replacedDeviceIds names both devices a `replaces` string may be: as a token and as an FID", () => {
    expect(replacedDeviceIds("old")).toEqual([sha256("old"), sha256("fid:old")]);
  });
});

describe("a token never takes an FID device's id", () => {
  it('refuses a token (or a replaces) that starts with "fid:", and nothing else about such strings', () => {
    expect(tokenSchema.safeParse("fid:abc").success).toBe(false);
    expect(tokenSchema.safeParse("xfid:abc").success).toBe(true);
    expect(tokenSchema.safeParse("dGVzdA:APA91bHun4MxP5egoKMwt2KZFBaFUH").success).toBe(true);
    expect(registerDeviceRequestSchema.safeParse({ token: "fid:abc", type: "ios" }).success).toBe(false);
    expect(registerDeviceRequestSchema.safeParse({ fid: "fid:abc", type: "ios" }).success).toBe(true);
  });
});
