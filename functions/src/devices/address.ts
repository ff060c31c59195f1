// How FCM reaches a device: its registration token, or its Firebase Installation ID (FID), which the
// Firebase SDKs now prefer. A device has exactly one; its deviceId says which without revealing it.
import { createHash } from "node:crypto";

/** A device's FCM address. The `?: undefined` member lets code test `address.fid !== undefined`. */
export type Address = { token: string; fid?: undefined } | { fid: string; token?: undefined };

export const IDENTIFIER_KINDS = ["token", "fid"] as const;
/** Which kind of identifier a device has: what pushfan shows instead of the identifier itself. */
export type IdentifierKind = (typeof IDENTIFIER_KINDS)[number];

/** Only the address fields of `source` (a device document, a request), for writing or sending. */
export function addressOf(source: Address): Address {
  return source.fid !== undefined ? { fid: source.fid } : { token: source.token };
}

export function kindOf(address: Address): IdentifierKind {
  return address.fid !== undefined ? "fid" : "token";
}

/** The identifier itself, token or FID (for the sandbox's prefixes and short log prefixes). */
export function identifierOf(address: Address): string {
  return address.fid ?? address.token;
}

const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

/**
 * Lowercase hex SHA-256 of the token, or of `"fid:" + fid`: URL-safe and fixed length, and never
 * the same for a token and an FID even when the two strings are equal. A bare string is a token.
 */
export function deviceIdOf(address: Address | string): string {
  if (typeof address === "string") return sha256(address);
  return address.fid !== undefined ? sha256(`fid:${address.fid}`) : sha256(address.token);
}

/**
 * The devices a `replaces` value may name: the previous identifier of this app instance is a token
 * or an FID, and the string alone does not say which, so both device ids are candidates.
 */
export function replacedDeviceIds(previous: string): [asToken: string, asFid: string] {
  return [deviceIdOf({ token: previous }), deviceIdOf({ fid: previous })];
}
