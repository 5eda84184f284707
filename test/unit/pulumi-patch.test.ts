/**
 * patches/@pulumi+pulumi+*.patch (applied by patch-package on npm install):
 * @pulumi/pulumi loads TypeScript and @npmcli/arborist, for function
 * serialization only, when those are first needed instead of at import
 * (~0.6 s of CPU in every process that imports it: each CLI run).
 */
import { execa } from "execa";
import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../support/cli.js";

describe("the @pulumi/pulumi patch", () => {
  it("keeps TypeScript and @npmcli/arborist out of a process that imports @pulumi/pulumi", async () => {
    const script = `
      await import("@pulumi/pulumi");
      await import("@pulumi/pulumi/automation/index.js");
      const { createRequire } = await import("node:module");
      const loaded = Object.keys(createRequire(import.meta.url).cache);
      console.log(JSON.stringify({
        pulumi: loaded.some((path) => path.includes("/node_modules/@pulumi/pulumi/")),
        heavy: loaded.filter((path) => /\\/node_modules\\/(typescript|@npmcli\\/arborist)\\//.test(path)),
      }));`;
    const { stdout } = await execa(process.execPath, ["--input-type=module", "-e", script], { cwd: repoRoot });
    expect(JSON.parse(stdout)).toEqual({ pulumi: true, heavy: [] });
  });

  it("still serializes functions (TypeScript is loaded on first use)", async () => {
    const factor = 6;
    const serialized = await pulumi.runtime.serializeFunction(() => (value: number) => value * factor);
    expect(serialized.text).toContain("value * factor");
    expect(serialized.text).toMatch(/factor = 6|"factor": 6|factor: 6/);
  });
});
