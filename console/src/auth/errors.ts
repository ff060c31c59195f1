// Firebase Auth error codes in words an admin can act on; anything else keeps the SDK's message.
const MESSAGES: Record<string, string> = {
  "auth/invalid-credential": "Wrong email or password.",
  // What the Auth emulator (and projects without email enumeration protection) answer instead.
  "auth/wrong-password": "Wrong email or password.",
  "auth/user-not-found": "Wrong email or password.",
  "auth/invalid-email": "That is not a valid email address.",
  "auth/user-disabled": "This account is disabled.",
  "auth/too-many-requests": "Too many attempts. Wait a moment, then try again.",
  "auth/network-request-failed": "Could not reach Firebase Authentication. Check the connection (and, locally, that the emulators run).",
};

export function signInErrorMessage(error: unknown): string {
  const code = (error as { code?: string }).code;
  if (code && MESSAGES[code]) return MESSAGES[code];
  return error instanceof Error ? error.message : String(error);
}
