// Helpers for the security-rules tests: a rules-unit-testing environment on the running Firestore
// emulator with the repository's firestore.rules, and the emulator's rules coverage report.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { initializeTestEnvironment, type RulesTestEnvironment } from "@firebase/rules-unit-testing";
import { PROJECT_ID } from "./emulator";

export const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const RULES_PATH = `${REPO_ROOT}firestore.rules`;
export const TEST_RESULTS_DIR = `${REPO_ROOT}test-results`;

function firestoreHost(): { host: string; port: number } {
  const hostAndPort = process.env.FIRESTORE_EMULATOR_HOST;
  if (!hostAndPort) throw new Error("FIRESTORE_EMULATOR_HOST is not set: run the rules tests through `npm test` at the repository root.");
  const at = hostAndPort.lastIndexOf(":");
  return { host: hostAndPort.slice(0, at), port: Number(hostAndPort.slice(at + 1)) };
}

/** Loads firestore.rules into the emulator for PROJECT_ID and returns the environment. */
export function rulesTestEnvironment(): Promise<RulesTestEnvironment> {
  return initializeTestEnvironment({
    projectId: PROJECT_ID,
    firestore: { rules: readFileSync(RULES_PATH, "utf8"), ...firestoreHost() },
  });
}

const coverageUrl = (suffix: "" | ".html") => `http://${process.env.FIRESTORE_EMULATOR_HOST}/emulator/v1/projects/${PROJECT_ID}:ruleCoverage${suffix}`;

/** One node of the emulator's coverage report: an expression of the rules and what it evaluated to. */
export interface CoverageNode {
  sourcePosition?: { fileName?: string; line?: number; column?: number; currentOffset?: number; endOffset?: number };
  values?: Array<{ value?: Record<string, unknown>; count?: number; counts?: number }>;
  children?: CoverageNode[];
}

export interface CoverageReport {
  rules?: { files?: Array<{ name?: string; content?: string }> };
  report?: CoverageNode[];
}

/**
 * Fetches the coverage report (JSON and HTML) of the rules currently loaded for PROJECT_ID and
 * writes both to test-results/firestore-rules-coverage.{json,html} (git-ignored).
 */
export async function saveRulesCoverage(): Promise<CoverageReport> {
  const [json, html] = await Promise.all(
    (["", ".html"] as const).map(async (suffix) => {
      const res = await fetch(coverageUrl(suffix));
      if (!res.ok) throw new Error(`rules coverage${suffix}: HTTP ${res.status} ${await res.text()}`);
      return res.text();
    }),
  );
  mkdirSync(TEST_RESULTS_DIR, { recursive: true });
  writeFileSync(`${TEST_RESULTS_DIR}/firestore-rules-coverage.json`, json!);
  writeFileSync(`${TEST_RESULTS_DIR}/firestore-rules-coverage.html`, html!);
  return JSON.parse(json!) as CoverageReport;
}

export interface RuleExpression {
  kind: "allow" | "function";
  text: string;
  line: number;
  column: number;
  /** The operands of its top-level && and || chains, parenthesised groups opened up. */
  operands: Array<{ text: string; line: number; column: number }>;
}

/**
 * Every condition in a rules file: the `if` of each `allow` and the `return` of each function, with
 * the 1-based line and column the emulator's coverage report uses for them and their operands.
 */
export function ruleExpressions(source: string): RuleExpression[] {
  // Comments blanked out, keeping every offset.
  const code = source.replace(/\/\/[^\n]*/g, (comment) => " ".repeat(comment.length));
  const position = (offset: number) => {
    const before = code.slice(0, offset).split("\n");
    return { line: before.length, column: before[before.length - 1]!.length + 1 };
  };
  const out: RuleExpression[] = [];
  for (const match of code.matchAll(/\b(allow\s+[\w\s,]+:\s*if|return)\s+/g)) {
    const start = match.index! + match[0].length;
    const end = scanTo(code, start, ";");
    out.push({
      kind: match[1]!.startsWith("allow") ? "allow" : "function",
      text: code.slice(start, end).trim(),
      ...position(start),
      operands: operands(code, start, end).map((o) => ({ text: code.slice(o.start, o.end).trim(), ...position(o.start) })),
    });
  }
  return out;
}

/** The offset of the first `stop` at nesting depth 0 (outside strings) from `from`. */
function scanTo(code: string, from: number, stop: string): number {
  let depth = 0;
  for (let i = from; i < code.length; i++) {
    const c = code[i]!;
    if (depth === 0 && code.startsWith(stop, i)) return i;
    if (c === "'" || c === '"') i = code.indexOf(c, i + 1);
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
  }
  throw new Error(`unterminated rules expression at offset ${from}`);
}

/** Operands of the top-level && / || chain in code[start, end), recursing into parenthesised ones. */
function operands(code: string, start: number, end: number): Array<{ start: number; end: number }> {
  const parts: Array<{ start: number; end: number }> = [];
  let depth = 0;
  let partStart = start;
  for (let i = start; i < end; i++) {
    const c = code[i]!;
    if (c === "'" || c === '"') i = code.indexOf(c, i + 1);
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0 && (code.startsWith("&&", i) || code.startsWith("||", i))) {
      parts.push({ start: partStart, end: i });
      partStart = i + 2;
      i++;
    }
  }
  parts.push({ start: partStart, end });
  if (parts.length === 1) return [];
  return parts.flatMap((part) => {
    const s = part.start + (code.slice(part.start, part.end).length - code.slice(part.start, part.end).trimStart().length);
    const e = part.start + code.slice(part.start, part.end).trimEnd().length;
    const inner = code[s] === "(" && scanTo(code, s + 1, ")") === e - 1 ? operands(code, s + 1, e - 1) : [];
    return [{ start: s, end: e }, ...inner];
  });
}
