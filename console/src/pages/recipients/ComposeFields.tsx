// The composer's recipient-control fields: the category users may turn off, and `critical`, which
// bypasses every choice they made (with a warning saying so).

import { Alert } from "../../ui/Alert";
import { Checkbox, TextField } from "../../ui/fields";
import type { SectionProps } from "../compose/sections";

export function RecipientChoicesFields({ form, change, errors }: SectionProps) {
  return (
    <div class="field-grid">
      <TextField
        name="category"
        label="Category (optional)"
        hint="Users who turned this category off do not get it, e.g. promotions."
        value={form.category}
        onValue={(category) => change({ category })}
        errors={errors.category}
      />
      <Checkbox
        name="critical"
        label="Critical: ignore the users' opt-outs, quiet hours, mute and daily cap"
        checked={form.critical}
        onChecked={(critical) => change({ critical })}
        errors={errors.critical}
      />
      {form.critical && (
        <Alert tone="info" title="Critical bypasses the user's choices">
          <p>It reaches users who turned its category off, muted notifications or are in their quiet hours. Keep it for sign-in codes and security alerts.</p>
        </Alert>
      )}
    </div>
  );
}
