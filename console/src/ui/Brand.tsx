/** The console's name and mark: a link home in the header, plain text on the sign-in pages. */
export function Brand({ href }: { href?: string }) {
  const name = (
    <>
      <span class="brand__mark" aria-hidden="true">
        ◉
      </span>
      pushfan <span class="brand__sub">console</span>
    </>
  );
  return href ? (
    <a class="brand" href={href}>
      {name}
    </a>
  ) : (
    <p class="brand">{name}</p>
  );
}
