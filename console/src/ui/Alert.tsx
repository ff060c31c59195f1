import type { ComponentChildren } from "preact";

/** A message box; `error` is announced to screen readers as soon as it appears. */
export function Alert({ tone, title, children }: { tone: "error" | "info" | "success"; title?: string; children?: ComponentChildren }) {
  return (
    <div class={`alert alert--${tone}`} role={tone === "error" ? "alert" : "status"}>
      {title && <p class="alert__title">{title}</p>}
      {children}
    </div>
  );
}

/** A Firestore or Auth error, or anything with a message (and maybe a code) to show. */
export type ShownError = { code?: string; message: string };

/** A Firestore or Auth error as the admin should read it: what failed, and its code. */
export function ErrorAlert({ title, error }: { title: string; error: ShownError }) {
  return (
    <Alert tone="error" title={title}>
      <p>
        {error.message}
        {error.code && <span class="muted"> ({error.code})</span>}
      </p>
    </Alert>
  );
}
