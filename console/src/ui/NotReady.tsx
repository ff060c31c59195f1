import type { Live } from "../data/live";
import { ErrorAlert } from "./Alert";

/** What a live read shows until it has a value: the error that stopped it, or that it is loading. */
export function NotReady({ live, error, loading = "Loading…" }: { live: Exclude<Live<unknown>, { status: "ready" }>; error: string; loading?: string }) {
  if (live.status === "error") return <ErrorAlert title={error} error={live.error} />;
  return <p class="muted">{loading}</p>;
}
