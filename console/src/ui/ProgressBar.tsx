/** A labelled progress bar; `value` undefined means "in progress, amount unknown". */
export function ProgressBar({ label, value, max, tone = "info" }: { label: string; value?: number; max: number; tone?: string }) {
  const percent = value === undefined || max <= 0 ? undefined : Math.min(100, Math.round((value / max) * 100));
  return (
    <div
      class={`progress progress--${tone} ${percent === undefined ? "progress--indeterminate" : ""}`}
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value}
    >
      <div class="progress__bar" style={percent === undefined ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
