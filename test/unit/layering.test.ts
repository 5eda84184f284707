/**
 * The layers as the import graph must show them: cli → automation → stacks,
 * and the emulator beside the driver, never inside it. A rule broken by one
 * import names the file, the line and the rule.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const root = resolve(new URL("../..", import.meta.url).pathname);

/** Top-level unit of a repo path: cli, automation, stacks, emulator/<part>, or the entry. */
function unitOf(path: string): string {
  const [top, second] = path.split("/");
  if (top === "emulator") return second === undefined || /\.[jt]s$/.test(second) ? "emulator" : `emulator/${second}`;
  return top === "index.ts" ? "entry" : top;
}

/** What each unit may import (besides itself and node/npm packages). */
const ALLOWED: Record<string, string[]> = {
  entry: ["cli"],
  cli: ["automation", "stacks", "emulator/rehearsal", "emulator"],
  automation: ["stacks"],
  stacks: [],
  emulator: ["automation"],
  "emulator/rehearsal": ["automation", "stacks", "emulator", "emulator/substrate"],
  "emulator/aws-standin": ["automation", "emulator"],
  "emulator/substrate": ["automation", "emulator"],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "node_modules" || name === "bin" ? [] : sourceFiles(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

interface Violation {
  file: string;
  line: number;
  imports: string;
  rule: string;
}

/** Every relative import (static, dynamic, type-only or re-export) that crosses into a unit its file's unit may not use. */
function layerViolations(files: string[]): Violation[] {
  const violations: Violation[] = [];
  const specifier =
    /(?:^|\s)(?:import|export)\b[^;]*?\bfrom\s*["'](\.[^"']+)["']|import\(\s*["'](\.[^"']+)["']\s*\)|^import\s+["'](\.[^"']+)["']/gm;
  for (const file of files) {
    const from = relative(root, file);
    const text = readFileSync(file, "utf8");
    for (const match of text.matchAll(specifier)) {
      const spec = match[1] ?? match[2] ?? match[3];
      const target = relative(root, resolve(dirname(file), spec));
      const [fromUnit, toUnit] = [unitOf(from), unitOf(target)];
      if (fromUnit === toUnit || ALLOWED[fromUnit]?.includes(toUnit)) continue;
      violations.push({
        file: from,
        line: text.slice(0, match.index).split("\n").length,
        imports: target,
        rule: `${fromUnit} may import ${ALLOWED[fromUnit]?.join(", ") || "nothing of the project"}`,
      });
    }
  }
  return violations;
}

describe("layers", () => {
  const files = [
    "index.ts",
    ...["cli", "automation", "stacks", "emulator"].flatMap((dir) => sourceFiles(join(root, dir))),
  ].map((file) => resolve(root, file));

  it("reads every unit of the product", () => {
    const units = new Set(files.map((file) => unitOf(relative(root, file))));
    expect([...units].sort()).toEqual([
      "automation",
      "cli",
      "emulator",
      "emulator/aws-standin",
      "emulator/rehearsal",
      "emulator/substrate",
      "entry",
      "stacks",
    ]);
  });

  it("no layer imports upward or sideways: the driver never imports the CLI or the emulator, stacks/ never imports the driver", () => {
    const found = layerViolations(files).map((v) => `${v.file}:${v.line} imports ${v.imports} (${v.rule})`);
    expect(found).toEqual([]);
  });
});
