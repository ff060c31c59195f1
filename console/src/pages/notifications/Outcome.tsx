// A notification's progress in one line: the live bar while sending, the counts once done.
import type { NotificationDocument } from "../../data/documents";
import { plural } from "../../ui/format";
import { ProgressBar } from "../../ui/ProgressBar";
import { Time } from "../../ui/Time";

export function Outcome({ notification: n }: { notification: NotificationDocument }) {
  if (n.status === "scheduled") {
    return (
      <span>
        Due <Time value={n.dueAt} />
      </span>
    );
  }
  if (n.status === "processing") {
    const done = n.progress?.devicesDone;
    const planned = n.progress?.devicesPlanned ?? 0;
    return (
      <div class="outcome">
        <ProgressBar label="Devices sent so far" value={done} max={planned} />
        <span class="outcome__text">{n.progress ? `${done} of ${plural(planned, "device")}` : "Sending…"}</span>
      </div>
    );
  }
  if (!n.stats || n.stats.devices === 0) return <span class="muted">{n.status ? "Nothing sent" : "Waiting for the backend…"}</span>;
  const { sent, devices, failed, removed } = n.stats;
  const tone = sent === devices ? "success" : sent === 0 ? "danger" : "warning";
  const problems = [failed ? `${failed} failed` : "", removed ? `${removed} removed` : ""].filter(Boolean).join(", ");
  return (
    <div class="outcome">
      <ProgressBar label="Devices that accepted it" value={sent} max={devices} tone={tone} />
      <span class="outcome__text">
        {sent} of {plural(devices, "device")}
        {problems && <span class="muted"> · {problems}</span>}
      </span>
    </div>
  );
}
