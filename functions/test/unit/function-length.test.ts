// STYLE.md: functions read as a list of named steps, about a screen (60 lines) at most. This scans
// every function body in src/ (declarations, methods, arrow functions with a block) and measures it
// from its opening line to its closing brace. TypeScript 7 has no JavaScript API, so the scan is a
// small tokenizer of its own: it skips strings, template literals, comments and regular expressions.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src", import.meta.url));
const MAX_LINES = 60;

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** `{`/`}` positions that are code, not text: returns each brace with its line. */
function braces(source: string): Array<{ char: "{" | "}"; index: number }> {
  const out: Array<{ char: "{" | "}"; index: number }> = [];
  const templateDepth: number[] = [];
  let depth = 0;
  let lastSignificant = "";
  for (let i = 0; i < source.length; i++) {
    const c = source[i]!;
    const next = source[i + 1];
    if (c === "/" && next === "/") i = source.indexOf("\n", i) === -1 ? source.length : source.indexOf("\n", i);
    else if (c === "/" && next === "*") i = source.indexOf("*/", i + 2) + 1;
    else if (c === '"' || c === "'") i = skipQuoted(source, i, c);
    else if (c === "`" || (c === "}" && templateDepth.at(-1) === depth)) {
      if (c === "}") templateDepth.pop();
      i = skipTemplate(source, i + 1, () => templateDepth.push(depth));
      lastSignificant = "`";
      continue;
    } else if (c === "/" && /^$|[(,=:[!&|?{};+\-*%<>~^]$/.test(lastSignificant)) i = skipRegex(source, i);
    else if (c === "{" || c === "}") {
      depth += c === "{" ? 1 : -1;
      out.push({ char: c, index: i });
    }
    if (!/\s/.test(c)) lastSignificant = /[\w$]/.test(c) ? "w" : c;
  }
  return out;
}

function skipQuoted(source: string, start: number, quote: string): number {
  let i = start + 1;
  while (i < source.length && source[i] !== quote) i += source[i] === "\\" ? 2 : 1;
  return i;
}

/** Skips template text up to its end (returns the closing backtick) or to a `${` (calls onHole). */
function skipTemplate(source: string, start: number, onHole: () => void): number {
  let i = start;
  while (i < source.length) {
    if (source[i] === "\\") i += 2;
    else if (source[i] === "`") return i;
    else if (source[i] === "$" && source[i + 1] === "{") {
      onHole();
      return i + 1;
    } else i++;
  }
  return i;
}

function skipRegex(source: string, start: number): number {
  let i = start + 1;
  let inClass = false;
  while (i < source.length && (inClass || source[i] !== "/")) {
    if (source[i] === "\\") i++;
    else if (source[i] === "[") inClass = true;
    else if (source[i] === "]") inClass = false;
    i++;
  }
  return i;
}

const lineOf = (source: string, index: number) => source.slice(0, index).split("\n").length;

/** Function bodies: a `{` that follows `)` or `) : Type` or `=>` (not an object literal or a class). */
function functionSpans(source: string): Array<{ name: string; line: number; lines: number }> {
  const spans: Array<{ name: string; line: number; lines: number }> = [];
  const stack: Array<{ index: number; isFunction: boolean }> = [];
  for (const brace of braces(source)) {
    if (brace.char === "{") {
      const before = source.slice(Math.max(0, brace.index - 300), brace.index);
      const isFunction = /(\)|=>)\s*$/.test(before) || /\)\s*:\s*[\w<>[\]|.,\s{}"'`]*$/.test(before.split("\n").pop() ?? "");
      stack.push({ index: brace.index, isFunction });
    } else {
      const open = stack.pop();
      if (!open?.isFunction) continue;
      const line = lineOf(source, open.index);
      const header = source.slice(source.lastIndexOf("\n", open.index) + 1, open.index).trim();
      spans.push({ name: header.slice(0, 80), line, lines: lineOf(source, brace.index) - line + 1 });
    }
  }
  return spans;
}

describe(`functions in src/ are at most ${MAX_LINES} lines`, () => {
  it("the scanner finds long functions (it is not blind)", () => {
    const body = Array.from({ length: 70 }, (_, i) => `  const a${i} = "}{" + \`\${"{"}\` + /[}]/.source;`).join("\n");
    expect(functionSpans(`function long(): void {\n${body}\n}\nconst o = { a: 1 };`)).toEqual([{ name: "function long(): void", line: 1, lines: 72 }]);
  });

  it.each(tsFiles(SRC).map((file) => [relative(SRC, file), file]))("%s", (_name, file) => {
    const long = functionSpans(readFileSync(file, "utf8")).filter((s) => s.lines > MAX_LINES);
    expect(long.map((s) => `line ${s.line}: ${s.name} (${s.lines} lines)`)).toEqual([]);
  });
});
