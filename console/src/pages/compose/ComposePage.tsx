// Compose a notification: the form, a live preview, validation with the backend's own rules, and
// on success the new document's detail page, where its status changes live.
import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { createNotification } from "../../data/documents";
import { useServices } from "../../firebase";
import { navigate } from "../../router";
import { Alert, ErrorAlert } from "../../ui/Alert";
import { fieldId } from "../../ui/fields";
import { Page } from "../../ui/Page";
import { emptyForm, type ComposeForm } from "./form";
import { Preview } from "./Preview";
import { AdvancedFields, AndroidFields, ApnsFields, AudienceSection, DeliverySection, MessageSection } from "./sections";
import { groupErrors, validate, type FieldErrors } from "./validate";

/** Every field the form shows a problem next to; other paths go to the summary. */
const FIELDS = new Set([
  ...["userId", "userIds", "topic", "broadcast", "platforms", "title", "body", "imageUrl", "link", "data"],
  ...["sendAt", "localTime", "dryRun", "priority", "ttlSeconds", "collapseKey", "analyticsLabel"],
  ...["android.channelId", "android.sound", "android.color", "android.tag", "android.clickAction"],
  ...["apns.sound", "apns.badge", "apns.category", "apns.threadId"],
]);

const NO_ERRORS: FieldErrors = { byField: {}, general: [] };

export function ComposePage() {
  const { db } = useServices();
  const [form, setForm] = useState<ComposeForm>(emptyForm);
  const [errors, setErrors] = useState<FieldErrors>(NO_ERRORS);
  const [writeError, setWriteError] = useState<{ code?: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef<HTMLDivElement>(null);
  const change = (patch: Partial<ComposeForm>) => setForm((current) => ({ ...current, ...patch }));

  async function submit(event: Event) {
    event.preventDefault();
    setWriteError(null);
    const result = validate(form);
    if (!result.ok) {
      setErrors(groupErrors(result.details, FIELDS));
      // After the render that shows it, so screen readers read the summary first.
      requestAnimationFrame(() => summary.current?.focus());
      return;
    }
    setErrors(NO_ERRORS);
    setBusy(true);
    try {
      const id = await createNotification(db, result.value);
      navigate({ page: "notification", id });
    } catch (caught) {
      setWriteError(caught as { code?: string; message: string });
      setBusy(false);
    }
  }

  const sectionProps = { form, change, errors: errors.byField };
  const has = (prefix: string) => Object.keys(errors.byField).some((field) => field.startsWith(prefix));
  return (
    <Page title="Compose" subtitle="Checked with the backend's own rules before it is written.">
      <div class="compose">
        <form class="compose__form" onSubmit={submit} noValidate>
          <div ref={summary} tabIndex={-1} class="summary-anchor">
            <ErrorSummary errors={errors} />
          </div>
          <AudienceSection {...sectionProps} />
          <MessageSection {...sectionProps} />
          <DeliverySection {...sectionProps} />
          <Disclosure title="Android options" open={has("android.")}>
            <AndroidFields {...sectionProps} />
          </Disclosure>
          <Disclosure title="iOS options (APNs)" open={has("apns.")}>
            <ApnsFields {...sectionProps} />
          </Disclosure>
          <Disclosure title="Advanced" open={["priority", "ttlSeconds", "collapseKey", "analyticsLabel"].some(has)}>
            <AdvancedFields {...sectionProps} />
          </Disclosure>
          {writeError && <ErrorAlert title="Firestore refused the notification" error={writeError} />}
          <div class="form-actions">
            <button class="button button--primary" type="submit" disabled={busy}>
              {busy ? "Writing…" : submitLabel(form)}
            </button>
          </div>
        </form>
        <aside class="compose__preview">
          <Preview
            content={{ title: form.title, body: form.body, imageUrl: form.imageUrl.trim(), link: form.link.trim(), androidColor: form.android.color.trim() }}
          />
        </aside>
      </div>
    </Page>
  );
}

function submitLabel(form: ComposeForm): string {
  if (form.dryRun) return "Run dry run";
  return form.when === "later" || form.localTime ? "Schedule notification" : "Send notification";
}

/** Every problem in one list, each a button to the field that shows it. */
function ErrorSummary({ errors }: { errors: FieldErrors }) {
  const fields = Object.entries(errors.byField);
  const count = fields.reduce((sum, [, messages]) => sum + messages.length, 0) + errors.general.length;
  if (count === 0) return null;
  return (
    <Alert tone="error" title={count === 1 ? "Fix this problem before sending" : `Fix these ${count} problems before sending`}>
      <ul class="summary-list">
        {errors.general.map(({ path, message }) => (
          <li key={`${path}:${message}`}>{path ? `${path}: ${message}` : message}</li>
        ))}
        {fields.map(([field, messages]) => (
          <li key={field}>
            <button class="link-button" type="button" onClick={() => document.getElementById(fieldId(field))?.focus()}>
              {field}
            </button>
            : {messages.join("; ")}
          </li>
        ))}
      </ul>
    </Alert>
  );
}

/** A collapsed section that opens by itself when one of its fields has a problem. */
function Disclosure({ title, open, children }: { title: string; open: boolean; children: ComponentChildren }) {
  const [opened, setOpened] = useState(false);
  return (
    <details class="card disclosure" open={open || opened} onToggle={(event) => setOpened(event.currentTarget.open)}>
      <summary>{title}</summary>
      {children}
    </details>
  );
}
