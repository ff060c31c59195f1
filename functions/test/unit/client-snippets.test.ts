// docs/CLIENTS.md shows the web client and the admin script exactly as the files that npm run
// typecheck compiles (test/clients/), so the guide's snippets cannot drift into code that breaks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const ROOT = new URL("../../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, ROOT), "utf8");

/** The fenced block right after `<!-- snippet: <path> -->` in the doc, or undefined. */
function snippetAfter(doc: string, path: string): string | undefined {
  const marker = `<!-- snippet: ${path} -->`;
  const at = doc.indexOf(marker);
  if (at === -1) return undefined;
  const match = /^\s*```[a-z]*\n([\s\S]*?)\n```/.exec(doc.slice(at + marker.length));
  return match?.[1];
}

describe("docs/CLIENTS.md's type-checked snippets", () => {
  const doc = read("docs/CLIENTS.md");

  it.each([
    "functions/test/clients/web-client.ts",
    "functions/test/clients/web-inbox.ts",
    "functions/test/clients/admin-send.ts",
    "functions/test/clients/preferences-web.ts",
  ])("%s is in the guide, character for character", (path) => {
    const snippet = snippetAfter(doc, path);
    expect(snippet, `no snippet marked ${path}`).toBeDefined();
    expect(snippet).toBe(read(path).trimEnd());
  });

  it("finds a changed snippet (the comparison above can fail)", () => {
    const changed = doc.replace("onRegistered(messaging, (fid) =>", "onRegistered(messaging, (id) =>");
    expect(changed).not.toBe(doc);
    expect(snippetAfter(changed, "functions/test/clients/web-client.ts")).not.toBe(read("functions/test/clients/web-client.ts").trimEnd());
    expect(snippetAfter("no marker here", "functions/test/clients/web-client.ts")).toBeUndefined();
  });
});
