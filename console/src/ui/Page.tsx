import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";

/**
 * A page with its heading. On navigation the heading takes the focus and the tab title changes, so
 * keyboard and screen-reader users land on the new page instead of staying on the old link.
 */
export function Page(props: { title: string; subtitle?: ComponentChildren; actions?: ComponentChildren; children: ComponentChildren }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · pushfan console`;
    if (document.activeElement === document.body || document.activeElement?.closest("nav")) heading.current?.focus();
  }, [props.title]);
  return (
    <>
      <div class="page-header">
        <div>
          <h1 ref={heading} tabIndex={-1}>
            {props.title}
          </h1>
          {props.subtitle && <p class="page-header__subtitle">{props.subtitle}</p>}
        </div>
        {props.actions && <div class="page-header__actions">{props.actions}</div>}
      </div>
      {props.children}
    </>
  );
}
