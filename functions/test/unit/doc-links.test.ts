// The README and docs/ link only to files and headings that exist, and never outside the repository:
// a user who clones pushfan has nothing beside it. Anchors are computed as GitHub computes them.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const DOCS = [
  "README.md",
  ...readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .map((f) => `docs/${f}`),
];

/** The text outside fenced code blocks and inline code, where links and headings are markdown. */
function prose(markdown: string): string[] {
  let fenced = false;
  return markdown.split("\n").flatMap((line) => {
    if (/^\s*(```|~~~)/.test(line)) {
      fenced = !fenced;
      return [];
    }
    return fenced ? [] : [line.replace(/`[^`]*`/g, (code) => code.replace(/[[\]()]/g, " "))];
  });
}

/** GitHub's heading anchor: lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function anchorsOf(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  let fenced = false;
  for (const line of markdown.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fenced = !fenced;
    const heading = fenced ? undefined : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    for (const id of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id[1]!);
    if (heading === undefined) continue;
    const text = heading.replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*]/g, "");
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every link and image target in a file's prose, with the line it is on. */
function linksOf(markdown: string): string[] {
  return prose(markdown).flatMap((line) => [...line.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!));
}

function problemsOf(file: string): string[] {
  const source = readFileSync(join(ROOT, file), "utf8");
  return linksOf(source).flatMap((target) => {
    if (/^(https?|mailto):/.test(target)) return [];
    const [path = "", anchor] = target.split("#");
    const absolute = path === "" ? join(ROOT, file) : resolve(dirname(join(ROOT, file)), decodeURIComponent(path));
    if (relative(ROOT, absolute).startsWith("..")) return [`${file}: ${target} points outside the repository`];
    if (!existsSync(absolute)) return [`${file}: ${target}: no such file`];
    if (anchor === undefined || statSync(absolute).isDirectory() || !absolute.endsWith(".md")) return [];
    return anchorsOf(readFileSync(absolute, "utf8")).has(anchor) ? [] : [`${file}: ${target}: no such heading`];
  });
}

describe("links in the README and docs/", () => {
  it("computes anchors as GitHub does", () => {
    const anchors = anchorsOf(
      "# A b\n## `registerDevice` (callable)\n## Pacing a 1,000,000-device broadcast under FCM's quota\n## A b\n```\n# not a heading\n```",
    );
    expect([...anchors]).toEqual(["a-b", "registerdevice-callable", "pacing-a-1000000-device-broadcast-under-fcms-quota", "a-b-1"]);
  });

  it("finds a missing file, a missing heading and a link out of the repository", () => {
    const links = linksOf('[a](docs/NOPE.md) ![b](img/x.png "t") `[c](not-a-link.md)`\n```\n[d](code.md)\n```\n[e](#x)');
    expect(links).toEqual(["docs/NOPE.md", "img/x.png", "#x"]);
  });

  it.each(DOCS)("%s links only to files and headings that exist, inside the repository", (file) => {
    expect(problemsOf(file)).toEqual([]);
  });

  it.each(DOCS)("%s names no document outside the repository (the workspace's CONTRACT.md, ../shared)", (file) => {
    const text = readFileSync(join(ROOT, file), "utf8");
    expect(text).not.toMatch(/CONTRACT\.md|\.\.\/shared\//);
  });

  it("the README stays a five-minute read (under 12 KB)", () => {
    expect(statSync(join(ROOT, "README.md")).size).toBeLessThan(12 * 1024);
  });
});
