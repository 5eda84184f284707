/**
 * The provider's defaultTags, as upstream's default_tags: merged under each
 * resource's own tags into what AWS gets and into `tagsAll`; a change of the
 * default tags updates the resource in place (the tag churn a real re-run sees).
 */
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StandinProvider } from "../../emulator/aws-standin/provider.js";
import {
  checkAndCreate,
  REGION_B,
  sdk,
  standinConfig,
  startMoto,
  urn,
  type MotoServer,
} from "../support/standin-moto.js";

describe("stand-in provider defaultTags", () => {
  let moto: MotoServer;
  beforeAll(async () => {
    moto = await startMoto();
  }, 120_000);
  afterAll(async () => {
    await moto?.stop();
  });

  const withDefaults = (tags: Record<string, string>) =>
    new StandinProvider({ config: { ...standinConfig(moto, REGION_B), defaultTags: tags } });

  it("merges them under the resource's tags in AWS and in tagsAll, and a changed default tag is an in-place update", async () => {
    const provider = withDefaults({ "dr-failover:app": "peoplebooster", team: "sre" });
    const secretUrn = urn("aws:secretsmanager/secret:Secret", "tagged");
    const created = await checkAndCreate(provider, secretUrn, { name: "dr/tagged", tags: { team: "db" } });
    expect(created.outs.tags).toEqual({ team: "db" });
    expect(created.outs.tagsAll).toEqual({ "dr-failover:app": "peoplebooster", team: "db" });
    const live = await sdk(moto, REGION_B)
      .secretsManager()
      .send(new DescribeSecretCommand({ SecretId: "dr/tagged" }));
    expect(Object.fromEntries((live.Tags ?? []).map((tag) => [tag.Key, tag.Value]))).toEqual(created.outs.tagsAll);

    const same = await provider.diff(created.id, secretUrn, created.outs, created.inputs);
    expect(same.changes).toBe(false);

    const changed = withDefaults({ "dr-failover:app": "peoplebooster", team: "sre", run: "2" });
    const diff = await changed.diff(created.id, secretUrn, created.outs, created.inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const updated = await changed.update(created.id, secretUrn, created.outs, created.inputs);
    expect(updated.outs?.tagsAll).toEqual({ "dr-failover:app": "peoplebooster", team: "db", run: "2" });
    const after = await sdk(moto, REGION_B)
      .secretsManager()
      .send(new DescribeSecretCommand({ SecretId: "dr/tagged" }));
    expect(Object.fromEntries((after.Tags ?? []).map((tag) => [tag.Key, tag.Value]))).toEqual(updated.outs?.tagsAll);
  });

  it("reads them from the provider configuration as the engine sends it", async () => {
    const { buildConfig } = await import("../../emulator/aws-standin/config.js");
    expect(buildConfig({ "aws:defaultTags": JSON.stringify({ tags: { a: "1" } }) }, {}, {}).defaultTags).toEqual({
      a: "1",
    });
  });
});
