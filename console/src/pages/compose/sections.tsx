// The composer's sections. Each gets the form and a way to change part of it, and shows the
// problems of its own fields.
import { DEVICE_TYPES } from "../../../../functions/src/devices/schema";
import { MAX_RECIPIENTS } from "../../../../functions/src/notifications/schema";
import { Checkbox, FieldSet, RadioGroup, SelectField, TextArea, TextField } from "../../ui/fields";
import { PLATFORM_LABELS } from "../../ui/format";
import { DataRows } from "./DataRows";
import { type AudienceKind, type ComposeForm, splitUids } from "./form";

export interface SectionProps {
  form: ComposeForm;
  change: (patch: Partial<ComposeForm>) => void;
  errors: Record<string, string[]>;
}

/** A text field's name, which is also its validation path: a form key (`title`) or an option (`android.color`). */
type TextName =
  | { [K in keyof ComposeForm]: string extends ComposeForm[K] ? K : never }[keyof ComposeForm]
  | `android.${keyof ComposeForm["android"]}`
  | `apns.${keyof ComposeForm["apns"]}`;

/** `field(name)` gives the props that tie a text control to that field: its name, value, setter and problems. */
function textFields({ form, change, errors }: SectionProps) {
  return (name: TextName) => {
    const [key, option] = name.split(".") as [keyof ComposeForm, string?];
    if (option === undefined) {
      return { name, value: form[key] as string, onValue: (value: string) => change({ [key]: value }), errors: errors[name] };
    }
    const group = form[key] as Record<string, string>;
    return { name, value: group[option], onValue: (value: string) => change({ [key]: { ...group, [option]: value } }), errors: errors[name] };
  };
}

const AUDIENCES: Array<{ value: AudienceKind; label: string }> = [
  { value: "user", label: "One user" },
  { value: "users", label: "A list of users" },
  { value: "topic", label: "A topic" },
  { value: "broadcast", label: "Everyone" },
];

export function AudienceSection(props: SectionProps) {
  const { form, change, errors } = props;
  const field = textFields(props);
  const togglePlatform = (platform: (typeof DEVICE_TYPES)[number], on: boolean) =>
    change({ platforms: DEVICE_TYPES.filter((p) => (p === platform ? on : form.platforms.includes(p))) });
  return (
    <section class="card form-section" aria-labelledby="audience-title">
      <h2 id="audience-title">Audience</h2>
      <RadioGroup name="audience" label="Send to" value={form.audience} onValue={(audience) => change({ audience })} options={AUDIENCES} />
      {form.audience === "user" && <TextField label="User id (uid)" {...field("userId")} />}
      {form.audience === "users" && (
        <TextArea
          label={`User ids (${splitUids(form.userIds).length} of at most ${MAX_RECIPIENTS})`}
          hint="One uid per line, or separated by commas."
          {...field("userIds")}
        />
      )}
      {form.audience === "topic" && <TextField label="Topic" hint="Every active device subscribed to it." {...field("topic")} />}
      {form.audience === "broadcast" && <p class="field__hint">Every active device of every user.</p>}
      {errors.broadcast && <p class="inline-error">{errors.broadcast.join(" ")}</p>}
      <FieldSet name="platforms" label="Platforms" hint="Leave all unchecked to reach every platform." errors={errors.platforms} class="fieldset--inline">
        <div class="choices">
          {DEVICE_TYPES.map((platform) => (
            <label key={platform} class={`choice ${form.platforms.includes(platform) ? "choice--checked" : ""}`}>
              <input type="checkbox" checked={form.platforms.includes(platform)} onChange={(event) => togglePlatform(platform, event.currentTarget.checked)} />
              {PLATFORM_LABELS[platform]}
            </label>
          ))}
        </div>
      </FieldSet>
    </section>
  );
}

export function MessageSection(props: SectionProps) {
  const { form, change, errors } = props;
  const field = textFields(props);
  return (
    <section class="card form-section" aria-labelledby="message-title">
      <h2 id="message-title">Message</h2>
      <TextField label="Title" required {...field("title")} />
      <TextArea label="Body" {...field("body")} />
      <TextField
        label="Image URL"
        type="url"
        placeholder="https://"
        hint="An https:// JPEG or PNG; shown by Android, iOS and browsers."
        {...field("imageUrl")}
      />
      <TextField
        label="Link"
        type="url"
        placeholder="https://"
        hint="Opened when the notification is clicked (web), and sent as data.link."
        {...field("link")}
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

export function DeliverySection(props: SectionProps) {
  const { form, change, errors } = props;
  const field = textFields(props);
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
        <TextField label="Send at" type="datetime-local" hint={`Your time zone (${zone}); at most 365 days ahead.`} {...field("sendAt")} />
      )}
      <TextField
        label="At each device's local time (optional)"
        type="time"
        hint="Each device gets it at the first such time in its own time zone, from the send time on."
        {...field("localTime")}
      />
      <Checkbox
        name="dryRun"
        label="Dry run: validate with FCM without delivering"
        checked={form.dryRun}
        onChecked={(dryRun) => change({ dryRun })}
        errors={errors.dryRun}
      />
      <Checkbox
        name="inbox"
        label="Also put it in each recipient's in-app inbox"
        checked={form.inbox}
        onChecked={(inbox) => change({ inbox })}
        errors={errors.inbox}
      />
    </section>
  );
}

export function AndroidFields(props: SectionProps) {
  const field = textFields(props);
  return (
    <div class="field-grid">
      <TextField label="Channel id" {...field("android.channelId")} />
      <TextField label="Sound" {...field("android.sound")} />
      <TextField label="Accent color" placeholder="#rrggbb" {...field("android.color")} />
      <TextField label="Tag" hint="Replaces a shown notification with the same tag." {...field("android.tag")} />
      <TextField label="Click action" {...field("android.clickAction")} />
    </div>
  );
}

export function ApnsFields(props: SectionProps) {
  const { form, change, errors } = props;
  const field = textFields(props);
  return (
    <div class="field-grid">
      <TextField label="Sound" {...field("apns.sound")} />
      {!form.unreadBadge && <TextField label="Badge" type="number" min="0" {...field("apns.badge")} />}
      <Checkbox
        name="unreadBadge"
        label="Badge: the user's unread inbox count (needs the inbox)"
        checked={form.unreadBadge}
        onChecked={(unreadBadge) => change({ unreadBadge })}
        errors={form.unreadBadge ? errors["apns.badge"] : undefined}
      />
      <TextField label="Category" {...field("apns.category")} />
      <TextField label="Thread id" {...field("apns.threadId")} />
    </div>
  );
}

export function AdvancedFields(props: SectionProps) {
  const { form, change, errors } = props;
  const field = textFields(props);
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
      <TextField label="Time to live (seconds)" type="number" min="0" {...field("ttlSeconds")} />
      <TextField label="Collapse key" {...field("collapseKey")} />
      <TextField label="Analytics label" {...field("analyticsLabel")} />
    </div>
  );
}
