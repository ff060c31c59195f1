// How each notification status reads: a short label, a colour family and a sentence for the tooltip.
import type { NotificationStatus } from "../../../../functions/src/types";
import type { NotificationDocument } from "../../data/documents";
import { PLATFORM_LABELS, plural } from "../../ui/format";

export type Tone = "neutral" | "info" | "success" | "warning" | "danger";

/** `pending`: written, but the backend has not accepted it yet (no status). */
export type DisplayStatus = NotificationStatus | "pending";

export const STATUSES: Record<DisplayStatus, { label: string; tone: Tone; description: string }> = {
  pending: { label: "Pending", tone: "neutral", description: "Written; the backend has not picked it up yet." },
  scheduled: { label: "Scheduled", tone: "info", description: "Waiting for its send time." },
  processing: { label: "Sending", tone: "info", description: "Being sent to its devices." },
  sent: { label: "Sent", tone: "success", description: "Every targeted device accepted it." },
  partial: { label: "Partly sent", tone: "warning", description: "Some devices accepted it, some did not." },
  failed: { label: "Failed", tone: "danger", description: "No device accepted it, or a configuration error stopped it." },
  "no-devices": {
    label: "No devices",
    tone: "neutral",
    description: "No device to send to: the audience has no active devices, or its users' choices skipped them all.",
  },
  invalid: { label: "Invalid", tone: "danger", description: "The document broke the input rules; nothing was sent." },
  cancelled: { label: "Cancelled", tone: "neutral", description: "An admin cancelled it." },
};

export const statusOf = (n: NotificationDocument): DisplayStatus => n.status ?? "pending";

/** While these, an admin may still cancel (the rules refuse it once the status is terminal). */
export const isCancellable = (n: NotificationDocument) => n.status === "scheduled" || n.status === "processing";

/** The title to show; an `invalid` document may have a blank one, or none that is a string. */
export const titleOf = (n: NotificationDocument): string => (typeof n.title === "string" && n.title.trim() !== "" ? n.title : "(no title)");

/**
 * "User ada", "3 users", "Topic news", "Everyone", with the platform filter if any. Read from
 * documents that may be invalid, so no field's type is taken for granted.
 */
export function audienceLabel(n: NotificationDocument): string {
  const who = recipientsOf(n);
  const platforms = Array.isArray(n.platforms) ? n.platforms.map((p) => PLATFORM_LABELS[p] ?? p).join(", ") : "";
  return platforms ? `${who} · ${platforms}` : who;
}

function recipientsOf(n: NotificationDocument): string {
  if (n.userId !== undefined) return `User ${n.userId}`;
  if (Array.isArray(n.userIds)) return plural(n.userIds.length, "user");
  if (n.topic !== undefined) return `Topic ${n.topic}`;
  return n.broadcast ? "Everyone" : "No audience";
}
