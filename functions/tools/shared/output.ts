// Terminal output for the command-line tools: aligned tables on stdout, progress on stderr.

/** Left-aligned columns separated by two spaces, with a header row and a rule under it. */
export function formatTable(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  // The last column is not padded, so lines carry no trailing spaces.
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

export interface Progress {
  /** Shows what is being waited for now (e.g. the notification's status). */
  update(state: string): void;
  /** Ends the progress display with a final word, e.g. the outcome. */
  stop(final: string): void;
}

/**
 * A status line that counts seconds while something slow happens. On a terminal it rewrites one
 * line; in a log (CI, a pipe) it prints a dot a second and each new state once, so logs stay short.
 */
export function startProgress(label: string, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = Date.now();
  const tty = stream.isTTY === true;
  let state = "";
  const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  const render = () => stream.write(`\r${label} ${state} (${seconds()})\x1b[K`);
  if (tty) render();
  else stream.write(`${label} `);
  const timer = setInterval(() => (tty ? render() : stream.write(".")), tty ? 200 : 1000);
  return {
    update(next) {
      if (next === state) return;
      state = next;
      if (tty) render();
      else stream.write(` ${next} `);
    },
    stop(final) {
      clearInterval(timer);
      if (tty) stream.write(`\r${label} ${final} (${seconds()})\x1b[K\n`);
      else stream.write(` ${final} (${seconds()})\n`);
    },
  };
}
