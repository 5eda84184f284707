/**
 * The tests run on the Node that package.json requires (engines.node; the `node`
 * devDependency puts it first on PATH under npm scripts), and so do the processes
 * they start with process.execPath.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";

const engines = (JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")) as { engines: { node: string } })
  .engines;

describe("the runtime", () => {
  it(`is the Node engines.node asks for (${engines.node}): ${process.version}`, () => {
    const minimum = Number(/^>=(\d+)$/.exec(engines.node)?.[1]);
    expect(Number(process.versions.node.split(".")[0]), process.execPath).toBeGreaterThanOrEqual(minimum);
  });
});
