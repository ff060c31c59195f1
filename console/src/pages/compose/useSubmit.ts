// What pressing Send does: validate, show the problems (and move the focus to their summary), or
// write the document and open its page. Firestore's refusal, if any, is kept for the form to show.
import { useRef, useState } from "preact/hooks";
import { createNotification } from "../../data/documents";
import { useServices } from "../../firebase";
import { navigate } from "../../router";
import type { ShownError } from "../../ui/Alert";
import type { ComposeForm } from "./form";
import { translationFields } from "./Translations";
import { type FieldErrors, groupErrors, validate } from "./validate";

/** Every field the form shows a problem next to; other paths go to the summary. */
const FIELDS = new Set([
  ...["userId", "userIds", "topic", "broadcast", "platforms", "title", "body", "imageUrl", "link", "data"],
  ...["sendAt", "localTime", "dryRun", "priority", "ttlSeconds", "collapseKey", "analyticsLabel"],
  ...["android.channelId", "android.sound", "android.color", "android.tag", "android.clickAction"],
  ...["apns.sound", "apns.badge", "apns.category", "apns.threadId"],
]);

const NO_ERRORS: FieldErrors = { byField: {}, general: [] };

export function useSubmit(form: ComposeForm) {
  const { db } = useServices();
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const [writeError, setWriteError] = useState<ShownError | null>(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setWriteError(null);
    const result = validate(form);
    if (!result.ok) {
      setErrors(groupErrors(result.details, new Set([...FIELDS, ...translationFields(form.translations)])));
      // After the render that shows it, so screen readers read the summary first.
      requestAnimationFrame(() => summary.current?.focus());
      return;
    }
    setErrors(NO_ERRORS);
    setBusy(true);
    try {
      navigate({ page: "notification", id: await createNotification(db, result.value) });
    } catch (caught) {
      setWriteError(caught as ShownError);
      setBusy(false);
    }
  }

  return { submit, errors, writeError, busy, summary };
}
