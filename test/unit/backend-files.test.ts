import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fileBackendHasNoStacks, fileBackendStackOutputs } from "../../automation/backend-files.js";

const checkpoint = (outputs: Record<string, unknown>) =>
  JSON.stringify({
    version: 3,
    checkpoint: {
      stack: "organization/dr-failover/app-drill-ap-northeast-3-ab12",
      latest: {
        resources: [
          {
            urn: "urn:pulumi:x::dr-failover::pulumi:providers:aws::default",
            type: "pulumi:providers:aws",
            outputs: {},
          },
          {
            urn: "urn:pulumi:x::dr-failover::pulumi:pulumi:Stack::dr-failover-x",
            type: "pulumi:pulumi:Stack",
            outputs,
          },
        ],
      },
    },
  });

describe("file backend checkpoints (status reads outputs without one CLI call per stack)", () => {
  let dir: string;
  let url: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "dr-backend-files-"));
    url = `file://${dir}`;
    await mkdir(join(dir, ".pulumi", "stacks", "dr-failover"), { recursive: true });
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it("reads a project-scoped stack's outputs and leaves secret outputs out", async () => {
    await writeFile(
      join(dir, ".pulumi", "stacks", "dr-failover", "app-drill-x.json"),
      checkpoint({
        serviceName: "backend",
        databaseAddress: "db.example",
        password: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", ciphertext: "v1:abc" },
      }),
    );
    expect(await fileBackendStackOutputs(url, "dr-failover", "app-drill-x")).toEqual({
      serviceName: "backend",
      databaseAddress: "db.example",
    });
    // `stack ls` may name it fully qualified.
    expect(await fileBackendStackOutputs(url, "dr-failover", "organization/dr-failover/app-drill-x")).toMatchObject({
      serviceName: "backend",
    });
    expect(await fileBackendHasNoStacks(url)).toBe(false);
  });

  it("reads gzipped and legacy (unscoped) checkpoints", async () => {
    await writeFile(
      join(dir, ".pulumi", "stacks", "dr-failover", "zipped.json.gz"),
      gzipSync(checkpoint({ serviceName: "zipped" })),
    );
    await writeFile(join(dir, ".pulumi", "stacks", "legacy.json"), checkpoint({ serviceName: "legacy" }));
    expect(await fileBackendStackOutputs(url, "dr-failover", "zipped")).toEqual({ serviceName: "zipped" });
    expect(await fileBackendStackOutputs(url, "dr-failover", "legacy")).toEqual({ serviceName: "legacy" });
  });

  it("answers undefined for another backend, a missing stack or an unreadable file: the caller asks Pulumi", async () => {
    await writeFile(join(dir, ".pulumi", "stacks", "dr-failover", "broken.json"), "{not json");
    expect(await fileBackendStackOutputs("s3://bucket/state", "dr-failover", "x")).toBeUndefined();
    expect(await fileBackendStackOutputs(url, "dr-failover", "missing")).toBeUndefined();
    expect(await fileBackendStackOutputs(url, "dr-failover", "broken")).toBeUndefined();
  });
});
