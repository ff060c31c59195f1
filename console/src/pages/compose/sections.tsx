// The composer's sections. Each gets the form and a way to change part of it, and shows the
// problems of its own fields.
import { DEVICE_TYPES } from "../../../../functions/src/devices/schema";
import { MAX_RECIPIENTS } from "../../../../functions/src/notifications/schema";
import { Checkbox, FieldSet, RadioGroup, SelectField, TextArea, TextField } from "../../ui/fields";
import { DataRows } from "./DataRows";
import { splitUids, type AudienceKind, type ComposeForm } from "./form";

export interface SectionProps {
  form: ComposeForm;
  change: (patch: Partial<ComposeForm>) => void;
  errors: Record<string, string[]>;
}

const AUDIENCES: Array<{ value: AudienceKind; label: string }> = [
  { value: "user", label: "One user" },
  { value: "users", label: "A list of users" },
  { value: "topic", label: "A topic" },
  { value: "broadcast", label: "Everyone" },
];

const PLATFORM_LABELS = { ios: "iOS", android: "Android", web: "Web" } as const;

export function AudienceSection({ form, change, errors }: SectionProps) {
  const togglePlatform = (platform: (typeof DEVICE_TYPES)[number], on: boolean) =>
    change({ platforms: DEVICE_TYPES.filter((p) => (p === platform ? on : form.platforms.includes(p))) });
  return (
    <section class="card form-section" aria-labelledby="audience-title">
      <h2 id="audience-title">Audience</h2>
      <RadioGroup name="audience" label="Send to" value={form.audience} onValue={(audience) => change({ audience })} options={AUDIENCES} />
      {form.audience === "user" && (
        <TextField name="userId" label="User id (uid)" value={form.userId} onValue={(userId) => change({ userId })} errors={errors.userId} />
      )}
      {form.audience === "users" && (
        <TextArea
          name="userIds"
          label={`User ids (${splitUids(form.userIds).length} of at most ${MAX_RECIPIENTS})`}
          hint="One uid per line, or separated by commas."
          value={form.userIds}
          onValue={(userIds) => change({ userIds })}
          errors={errors.userIds}
        />
      )}
      {form.audience === "topic" && (
        <TextField
          name="topic"
          label="Topic"
          hint="Every active device subscribed to it."
          value={form.topic}
          onValue={(topic) => change({ topic })}
          errors={errors.topic}
        />
      )}
      {form.audience === "broadcast" && <p class="field__hint">Every active device of every user.</p>}
      {errors.broadcast && <p class="inline-error">{errors.broadcast.join(" ")}</p>}
      <FieldSet name="platforms" label="Platforms" hint="Leave all unchecked to reach every platform." errors={errors.platforms} class="fieldset--inline">
        <div class="choices">
          {DEVICE_TYPES.map((platform) => (
            <label key={platform} class={`choice ${form.platforms.includes(platform) ? "choice--checked" : ""}`}>
              <input
                type="checkbox"
                checked={form.platforms.includes(platform)}
                onChange={(event) => togglePlatform(platform, event.currentTarget.checked)}
              />
              {PLATFORM_LABELS[platform]}
            </label>
          ))}
        </div>
      </FieldSet>
    </section>
  );
}

export function MessageSection({ form, change, errors }: SectionProps) {
  return (
    <section class="card form-section" aria-labelledby="message-title">
      <h2 id="message-title">Message</h2>
      <TextField name="title" label="Title" required value={form.title} onValue={(title) => change({ title })} errors={errors.title} />
      <TextArea name="body" label="Body" value={form.body} onValue={(body) => change({ body })} errors={errors.body} />
      <TextField
        name="imageUrl"
        label="Image URL"
        type="url"
        placeholder="https://"
        hint="An https:// JPEG or PNG; shown by Android, iOS and browsers."
        value={form.imageUrl}
        onValue={(imageUrl) => change({ imageUrl })}
        errors={errors.imageUrl}
      />
      <TextField
        name="link"
        label="Link"
        type="url"
        placeholder="https://"
        hint="Opened when the notification is clicked (web), and sent as data.link."
        value={form.link}
        onValue={(link) => change({ link })}
        errors={errors.link}
      />
      <DataRows rows={form.data} onRows={(data) => change({ data })} errors={errors.data} />
    </section>
  );
}

/** The current local time as an `<input type="datetime-local">` value, `minutes` from now. */
export function localInputTime(minutes = 0, now = Date.now()): string {
  const date = new Date(now + minutes * 60_000);
  return new Date(date.getTime() - date.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

export function DeliverySection({ form, change, errors }: SectionProps) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return (
    <section class="card form-section" aria-labelledby="delivery-title">
      <h2 id="delivery-title">Delivery</h2>
      <RadioGroup
        name="when"
        label="When"
        value={form.when}
        onValue={(when) => change({ when, sendAt: when === "later" && !form.sendAt ? localInputTime(60) : form.sendAt })}
        options={[
          { value: "now", label: "Now" },
          { value: "later", label: "At a time" },
        ]}
      />
      {form.when === "later" && (
        <TextField
          name="sendAt"
          label="Send at"
          type="datetime-local"
          hint={`Your time zone (${zone}); at most 365 days ahead.`}
          value={form.sendAt}
          onValue={(sendAt) => change({ sendAt })}
          errors={errors.sendAt}
        />
      )}
      <TextField
        name="localTime"
        label="At each device's local time (optional)"
        type="time"
        hint="Each device gets it at the first such time in its own time zone, from the send time on."
        value={form.localTime}
        onValue={(localTime) => change({ localTime })}
        errors={errors.localTime}
      />
      <Checkbox
        name="dryRun"
        label="Dry run: validate with FCM without delivering"
        checked={form.dryRun}
        onChecked={(dryRun) => change({ dryRun })}
        errors={errors.dryRun}
      />
    </section>
  );
}

export function AndroidFields({ form, change, errors }: SectionProps) {
  const set = (patch: Partial<ComposeForm["android"]>) => change({ android: { ...form.android, ...patch } });
  const a = form.android;
  return (
    <div class="field-grid">
      <TextField name="android.channelId" label="Channel id" value={a.channelId} onValue={(channelId) => set({ channelId })} errors={errors["android.channelId"]} />
      <TextField name="android.sound" label="Sound" value={a.sound} onValue={(sound) => set({ sound })} errors={errors["android.sound"]} />
      <TextField name="android.color" label="Accent color" placeholder="#rrggbb" value={a.color} onValue={(color) => set({ color })} errors={errors["android.color"]} />
      <TextField name="android.tag" label="Tag" hint="Replaces a shown notification with the same tag." value={a.tag} onValue={(tag) => set({ tag })} errors={errors["android.tag"]} />
      <TextField name="android.clickAction" label="Click action" value={a.clickAction} onValue={(clickAction) => set({ clickAction })} errors={errors["android.clickAction"]} />
    </div>
  );
}

export function ApnsFields({ form, change, errors }: SectionProps) {
  const set = (patch: Partial<ComposeForm["apns"]>) => change({ apns: { ...form.apns, ...patch } });
  const a = form.apns;
  return (
    <div class="field-grid">
      <TextField name="apns.sound" label="Sound" value={a.sound} onValue={(sound) => set({ sound })} errors={errors["apns.sound"]} />
      <TextField name="apns.badge" label="Badge" type="number" min="0" value={a.badge} onValue={(badge) => set({ badge })} errors={errors["apns.badge"]} />
      <TextField name="apns.category" label="Category" value={a.category} onValue={(category) => set({ category })} errors={errors["apns.category"]} />
      <TextField name="apns.threadId" label="Thread id" value={a.threadId} onValue={(threadId) => set({ threadId })} errors={errors["apns.threadId"]} />
    </div>
  );
}

export function AdvancedFields({ form, change, errors }: SectionProps) {
  return (
    <div class="field-grid">
      <SelectField
        name="priority"
        label="Priority"
        value={form.priority}
        onValue={(priority) => change({ priority })}
        options={[
          { value: "high", label: "High (default)" },
          { value: "normal", label: "Normal" },
        ]}
        errors={errors.priority}
      />
      <TextField name="ttlSeconds" label="Time to live (seconds)" type="number" min="0" value={form.ttlSeconds} onValue={(ttlSeconds) => change({ ttlSeconds })} errors={errors.ttlSeconds} />
      <TextField name="collapseKey" label="Collapse key" value={form.collapseKey} onValue={(collapseKey) => change({ collapseKey })} errors={errors.collapseKey} />
      <TextField name="analyticsLabel" label="Analytics label" value={form.analyticsLabel} onValue={(analyticsLabel) => change({ analyticsLabel })} errors={errors.analyticsLabel} />
    </div>
  );
}
