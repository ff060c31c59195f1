import type { ComponentChildren } from "preact";

/** A table in a card: a header row of `columns`, the rows, and what goes below them (a pager). */
export function TableCard(props: { caption?: string; columns: readonly string[]; footer?: ComponentChildren; children: ComponentChildren }) {
  return (
    // biome-ignore lint/a11y/noNoninteractiveTabindex: it scrolls sideways on a narrow screen, and the keyboard must be able to scroll it (axe: scrollable-region-focusable)
    <div class="card table-card" tabIndex={0}>
      <table class="table">
        {props.caption && <caption class="visually-hidden">{props.caption}</caption>}
        <thead>
          <tr>
            {props.columns.map((column) => (
              <th key={column} scope="col">
                {column}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
      {props.footer}
    </div>
  );
}
