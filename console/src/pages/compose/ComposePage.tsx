// Compose a notification: the form, a live preview, validation with the backend's own rules, and
// on success the new document's detail page, where its status changes live.
import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { Alert, ErrorAlert } from "../../ui/Alert";
import { fieldId } from "../../ui/fields";
import { Page } from "../../ui/Page";
import { RecipientChoicesFields } from "../recipients/ComposeFields";
import { type ComposeForm, emptyForm } from "./form";
import { Preview } from "./Preview";
import { AdvancedFields, AndroidFields, ApnsFields, AudienceSection, DeliverySection, MessageSection } from "./sections";
import { PreviewLanguage, previewContent, TranslationsSection } from "./Translations";
import { useSubmit } from "./useSubmit";
import type { FieldErrors } from "./validate";

export function ComposePage() {
  const [form, setForm] = useState<ComposeForm>(emptyForm);
  const { submit, errors, writeError, busy, summary } = useSubmit(form);
  // The translation row the preview shows ("" for the message itself).
  const [previewRow, setPreviewRow] = useState("");
  const change = (patch: Partial<ComposeForm>) => setForm((current) => ({ ...current, ...patch }));

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
          <Disclosure title={`Translations${form.translations.length > 0 ? ` (${form.translations.length})` : ""}`} open={has("translations")}>
            <TranslationsSection {...sectionProps} />
          </Disclosure>
          <DeliverySection {...sectionProps} />
          <Disclosure title={`Users' choices${form.critical ? " (critical)" : ""}`} open={form.critical || ["category", "critical"].some(has)}>
            <RecipientChoicesFields {...sectionProps} />
          </Disclosure>
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
          <PreviewLanguage form={form} value={previewRow} onValue={setPreviewRow} />
          <Preview
            content={previewContent(
              { title: form.title, body: form.body, imageUrl: form.imageUrl.trim(), link: form.link.trim(), androidColor: form.android.color.trim() },
              form,
              previewRow,
            )}
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
