// Labelled form controls that show their validation problems under themselves, tied to the control
// with aria-describedby and aria-invalid so screen readers announce them too.
import type { ComponentChildren } from "preact";

/** The DOM id of the control for a field path such as `android.color`. */
export const fieldId = (name: string) => `field-${name.replace(/[^a-zA-Z0-9]+/g, "-")}`;

interface FieldProps {
  name: string;
  label: string;
  hint?: string;
  errors?: readonly string[];
}

/** The ids of the hint and the errors shown under the field, for aria-describedby. */
function describingIds({ name, hint, errors }: FieldProps): string | undefined {
  return [hint ? `${fieldId(name)}-hint` : "", errors?.length ? `${fieldId(name)}-error` : ""].filter(Boolean).join(" ") || undefined;
}

/** What the control needs to be described by its hint and errors. */
function describedBy(props: FieldProps) {
  return { id: fieldId(props.name), "aria-describedby": describingIds(props), "aria-invalid": props.errors?.length ? true : undefined };
}

export function FieldMessages({ name, hint, errors }: Omit<FieldProps, "label">) {
  return (
    <>
      {hint && (
        <p class="field__hint" id={`${fieldId(name)}-hint`}>
          {hint}
        </p>
      )}
      {errors && errors.length > 0 && (
        <ul class="field__errors" id={`${fieldId(name)}-error`}>
          {errors.map((message) => (
            <li key={message}>{message}</li>
          ))}
        </ul>
      )}
    </>
  );
}

interface TextFieldProps extends FieldProps {
  value: string;
  onValue: (value: string) => void;
  type?: "text" | "url" | "number" | "datetime-local" | "time" | "email" | "password" | "search";
  placeholder?: string;
  autoComplete?: string;
  required?: boolean;
  min?: string;
  class?: string;
}

export function TextField(props: TextFieldProps) {
  const { label, value, onValue, type = "text", placeholder, autoComplete, required, min } = props;
  return (
    <div class={`field ${props.class ?? ""} ${props.errors?.length ? "field--invalid" : ""}`}>
      <label for={fieldId(props.name)}>{label}</label>
      <input
        {...describedBy(props)}
        // Preact types inputs per ARIA role; none of these types takes a role, so one member fits all.
        type={type as "text"}
        value={value}
        placeholder={placeholder}
        autoComplete={autoComplete}
        required={required}
        min={min}
        onInput={(event) => onValue(event.currentTarget.value)}
      />
      <FieldMessages {...props} />
    </div>
  );
}

interface TextAreaProps extends FieldProps {
  value: string;
  onValue: (value: string) => void;
  rows?: number;
  placeholder?: string;
}

export function TextArea(props: TextAreaProps) {
  return (
    <div class={`field ${props.errors?.length ? "field--invalid" : ""}`}>
      <label for={fieldId(props.name)}>{props.label}</label>
      <textarea
        {...describedBy(props)}
        rows={props.rows ?? 3}
        value={props.value}
        placeholder={props.placeholder}
        onInput={(event) => props.onValue(event.currentTarget.value)}
      />
      <FieldMessages {...props} />
    </div>
  );
}

/** A choice of one of `options`: a select or a radio group. */
interface ChoiceProps<T extends string> extends FieldProps {
  value: T;
  onValue: (value: T) => void;
  options: ReadonlyArray<{ value: T; label: string }>;
}

export function SelectField<T extends string>(props: ChoiceProps<T>) {
  return (
    <div class={`field ${props.errors?.length ? "field--invalid" : ""}`}>
      <label for={fieldId(props.name)}>{props.label}</label>
      <select {...describedBy(props)} value={props.value} onChange={(event) => props.onValue(event.currentTarget.value as T)}>
        {props.options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <FieldMessages {...props} />
    </div>
  );
}

interface CheckboxProps extends FieldProps {
  checked: boolean;
  onChecked: (checked: boolean) => void;
}

export function Checkbox(props: CheckboxProps) {
  return (
    <div class={`field field--check ${props.errors?.length ? "field--invalid" : ""}`}>
      <input {...describedBy(props)} type="checkbox" checked={props.checked} onChange={(event) => props.onChecked(event.currentTarget.checked)} />
      <label for={fieldId(props.name)}>{props.label}</label>
      <FieldMessages {...props} />
    </div>
  );
}

/** A group of controls under one legend (radio buttons, checkboxes, the data rows). */
export function FieldSet(props: FieldProps & { children: ComponentChildren; class?: string }) {
  return (
    <fieldset
      class={`fieldset ${props.class ?? ""} ${props.errors?.length ? "field--invalid" : ""}`}
      id={fieldId(props.name)}
      tabIndex={-1}
      aria-describedby={describingIds(props)}
    >
      <legend>{props.label}</legend>
      {props.children}
      <FieldMessages name={props.name} hint={props.hint} errors={props.errors} />
    </fieldset>
  );
}

export function RadioGroup<T extends string>(props: ChoiceProps<T>) {
  return (
    <FieldSet name={props.name} label={props.label} hint={props.hint} errors={props.errors} class="fieldset--inline">
      <div class="choices" role="presentation">
        {props.options.map((option) => (
          <label key={option.value} class={`choice ${props.value === option.value ? "choice--checked" : ""}`}>
            <input
              type="radio"
              name={fieldId(props.name)}
              value={option.value}
              checked={props.value === option.value}
              onChange={() => props.onValue(option.value)}
            />
            {option.label}
          </label>
        ))}
      </div>
    </FieldSet>
  );
}
