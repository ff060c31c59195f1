// What an admin may ask `lookupUser`: one user, by email or by uid. No Node or Firebase imports: the
// admin console builds the same request.
import { z } from "zod";

export const lookupUserRequestSchema = z
  .strictObject(
    {
      email: z
        .string({ error: "must be a string" })
        .trim()
        .toLowerCase()
        .pipe(z.email({ error: "must be an email address" }))
        .optional(),
      uid: z.string({ error: "must be a string" }).min(1, "must not be empty").max(128, "must be at most 128 characters").optional(),
    },
    { error: (issue) => (issue.code === "invalid_type" ? "request must be a JSON object" : undefined) },
  )
  .refine((q) => (q.email === undefined) !== (q.uid === undefined), "exactly one of email or uid is required");

export type LookupUserRequest = z.input<typeof lookupUserRequestSchema>;

/** What the console shows of an Auth user (never tokens, password hashes or provider secrets). */
export interface UserSummary {
  uid: string;
  email: string | null;
  displayName: string | null;
  disabled: boolean;
  admin: boolean;
  createdAt: string | null;
  lastSignInAt: string | null;
}

/** `user` is null when no Auth user matches. */
export interface LookupUserResponse {
  user: UserSummary | null;
}
