// One catalogue of log events (src/shared/events.ts), documented in docs/OPERATIONS.md: every event
// there with its level, whether to alert, its fields and its query; nothing logged outside it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { EVENTS } from "../../src/shared/events";

const ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const SRC = join(ROOT, "functions/src");

interface Row {
  level: string;
  alert: boolean;
  fields: string[];
  query: string;
}

function documented(): Map<string, Row> {
  const rows = new Map<string, Row>();
  for (const line of readFileSync(join(ROOT, "docs/OPERATIONS.md"), "utf8").split("\n")) {
    const cells = line.split(" | ").map((c) => c.replace(/^\| |\s\|$/g, "").trim());
    const name = /^`([a-z]+\.[A-Za-z]+)`$/.exec(cells[0] ?? "")?.[1];
    if (!name || cells.length !== 6) continue;
    rows.set(name, {
      level: cells[1]!,
      alert: cells[2] === "**yes**",
      fields: [...cells[4]!.matchAll(/`([^`]+)`/g)].map((m) => m[1]!),
      query: cells[5]!,
    });
  }
  return rows;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? tsFiles(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("the log event catalogue", () => {
  it("docs/OPERATIONS.md documents exactly the catalogued events, each as the catalogue says", () => {
    const rows = documented();
    expect([...rows.keys()].sort()).toEqual(Object.keys(EVENTS).sort());
    for (const [name, spec] of Object.entries(EVENTS)) {
      expect(rows.get(name), name).toEqual({ level: spec.level, alert: spec.alert, fields: [...spec.fields], query: `\`jsonPayload.event="${name}"\`` });
    }
  });

  it("nothing in src/ logs except through logEvent", () => {
    const direct = tsFiles(SRC)
      .filter((file) => !file.endsWith("shared/events.ts"))
      .filter((file) => /\blogger\.|console\.(log|info|warn|error)/.test(readFileSync(file, "utf8")));
    expect(direct).toEqual([]);
  });

  it("every catalogued event is logged somewhere", () => {
    const source = tsFiles(SRC)
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const unused = Object.keys(EVENTS).filter((name) => !source.includes(`logEvent("${name}"`));
    expect(unused).toEqual([]);
  });
});
