import type { Timestamp } from "firebase/firestore";
import { formatRelative, formatTime } from "./format";

/** A timestamp as the reader's local time, with the relative time beside it. */
export function Time({ value, relative = true }: { value: Timestamp | null | undefined; relative?: boolean }) {
  if (!value) return <span class="muted">—</span>;
  return (
    <time dateTime={value.toDate().toISOString()}>
      {formatTime(value)}
      {relative && <span class="muted"> ({formatRelative(value)})</span>}
    </time>
  );
}
