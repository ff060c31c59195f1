// What clients may send to register or unregister a device (the callable and the api share it).
import { z } from "zod";
import { label } from "../shared/validation.js";

export const MAX_TOKEN_LENGTH = 4096;

export const DEVICE_TYPES = ["ios", "android", "web"] as const;

export const tokenSchema = z
  .string({ error: (issue) => (issue.input === undefined ? "is required" : "must be a string") })
  .min(1, { error: "must not be empty", abort: true })
  .max(MAX_TOKEN_LENGTH, `must be at most ${MAX_TOKEN_LENGTH} characters`)
  .regex(/^[^\s\p{Cc}]+$/u, "must not contain whitespace or control characters")
  .refine((s) => s.isWellFormed(), "must be valid Unicode (no lone surrogates)");

const optionalLabel = (max: number) => label(max).nullable().optional();

export const registerDeviceRequestSchema = z.strictObject(
  {
    token: tokenSchema,
    type: z.enum(DEVICE_TYPES, { error: `must be one of ${DEVICE_TYPES.join(", ")}` }),
    name: optionalLabel(200),
    active: z.boolean({ error: "must be true or false" }).default(true),
    replaces: tokenSchema.optional(),
    appVersion: optionalLabel(64),
    locale: optionalLabel(35),
    timezone: optionalLabel(64),
  },
  { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
);

export type RegisterDeviceRequest = z.input<typeof registerDeviceRequestSchema>;
export type RegisterDeviceInput = z.output<typeof registerDeviceRequestSchema>;

export interface RegisterDeviceResponse {
  deviceId: string;
  created: boolean;
}

export const deviceIdSchema = z.string().regex(/^[0-9a-f]{64}$/, "must be 64 lowercase hex characters (SHA-256 of the token)");

export const unregisterDeviceRequestSchema = z
  .strictObject(
    { token: tokenSchema.optional(), deviceId: deviceIdSchema.optional() },
    { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
  )
  .refine((v) => (v.token === undefined) !== (v.deviceId === undefined), "exactly one of token or deviceId is required");

export type UnregisterDeviceRequest = z.input<typeof unregisterDeviceRequestSchema>;

export interface UnregisterDeviceResponse {
  removed: boolean;
}
