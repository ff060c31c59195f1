import { type DisplayStatus, STATUSES } from "../pages/notifications/status";

export function StatusBadge({ status }: { status: DisplayStatus }) {
  const { label, tone, description } = STATUSES[status];
  return (
    <span class={`badge badge--${tone}`} title={description}>
      {status === "processing" && <span class="badge__pulse" aria-hidden="true" />}
      {label}
    </span>
  );
}
