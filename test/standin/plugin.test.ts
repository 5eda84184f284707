import { existsSync } from "node:fs";
import { join } from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { DescribeSecretCommand } from "@aws-sdk/client-secrets-manager";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SECRET_SIG, SPECIAL_SIG_KEY } from "../../emulator/aws-standin/wire.js";
import { REGION_B, sdk, startMoto, type MotoServer } from "../support/standin-moto.js";
import {
  emptyproto,
  provproto,
  repoRoot,
  startPlugin,
  structproto,
  type RunningPlugin,
} from "../support/standin-plugin.js";

const struct = (value: Record<string, unknown>) => structproto.Struct.fromJavaScript(value);

describe("the stand-in pulumi-resource-aws binary", () => {
  let moto: MotoServer;
  let plugin: RunningPlugin;

  beforeAll(async () => {
    // Compile only the stand-in (and its tests) into dist/, so unrelated work in progress cannot break this.
    expect(existsSync(join(repoRoot, "dist", "emulator", "aws-standin", "main.js"))).toBe(true);
    moto = await startMoto();
    // No AWS_* endpoint in the env: everything must come from Configure.
    plugin = await startPlugin({ AWS_ENDPOINT_URL: "", AWS_REGION: "", AWS_DEFAULT_REGION: "" });
  }, 180_000);

  afterAll(async () => {
    await plugin?.stop();
    await moto?.stop();
  });

  it("prints only its port on stdout and reports the @pulumi/aws version", async () => {
    expect(plugin.stdout()).toBe(`${plugin.port}\n`);
    const info = await plugin.call("getPluginInfo", new emptyproto.Empty());
    expect(info.getVersion()).toBe("7.48.0");
  });

  it("implements CheckConfig and DiffConfig", async () => {
    const olds = { region: "us-east-1", endpoints: JSON.stringify([{ rds: moto.endpoint }]) };
    const check = new provproto.CheckRequest();
    check.setUrn("urn:pulumi:test::standin::pulumi:providers:aws::target");
    check.setOlds(struct({}));
    check.setNews(struct(olds));
    const checked = await plugin.call("checkConfig", check);
    expect(checked.getInputs().toJavaScript()).toEqual(olds);

    const diff = (news: Record<string, unknown>) => {
      const request = new provproto.DiffRequest();
      request.setUrn("urn:pulumi:test::standin::pulumi:providers:aws::target");
      request.setOlds(struct(olds));
      request.setNews(struct(news));
      return plugin.call("diffConfig", request);
    };
    expect((await diff({ ...olds, skipCredentialsValidation: "true" })).getChanges()).toBe(
      provproto.DiffResponse.DiffChanges.DIFF_NONE,
    );
    const changed = await diff({ ...olds, region: REGION_B });
    expect(changed.getChanges()).toBe(provproto.DiffResponse.DiffChanges.DIFF_SOME);
    expect(changed.getDiffsList()).toEqual(["region"]);
  });

  it("takes region and endpoints from Configure, then serves invokes and CRUD against moto", async () => {
    await sdk(moto, REGION_B)
      .s3()
      .send(
        new CreateBucketCommand({
          Bucket: "plugin-bucket",
          CreateBucketConfiguration: { LocationConstraint: REGION_B },
        }),
      );

    const configure = new provproto.ConfigureRequest();
    const endpoints = JSON.stringify([{ s3: moto.endpoint, secretsmanager: moto.endpoint }]);
    configure.getVariablesMap().set("aws:config:region", REGION_B);
    configure.getVariablesMap().set("aws:config:endpoints", endpoints);
    configure.setArgs(
      struct({
        region: REGION_B,
        endpoints,
        s3UsePathStyle: "true",
        skipCredentialsValidation: "true",
        accessKey: "test",
        secretKey: "test",
      }),
    );
    configure.setAcceptsecrets(true);
    const configured = await plugin.call("configure", configure);
    expect(configured.getAcceptsecrets()).toBe(true);

    const invoke = async (tok: string, args: Record<string, unknown>) => {
      const request = new provproto.InvokeRequest();
      request.setTok(tok);
      request.setArgs(struct(args));
      return (await plugin.call("invoke", request)).getReturn().toJavaScript();
    };
    expect((await invoke("aws:index/getRegion:getRegion", {})).name).toBe(REGION_B);
    expect(await invoke("aws:s3/getBucket:getBucket", { bucket: "plugin-bucket" })).toMatchObject({
      region: REGION_B,
      arn: "arn:aws:s3:::plugin-bucket",
    });
    await expect(invoke("aws:s3/getBucket:getBucket", { bucket: "missing-bucket" })).rejects.toThrow(
      /couldn't find resource/,
    );

    // Check + Create a secret with a secret-wrapped value, as the engine sends it.
    const secretUrn = "urn:pulumi:test::standin::aws:secretsmanager/secret:Secret::creds";
    const check = new provproto.CheckRequest();
    check.setUrn(secretUrn);
    check.setOlds(struct({}));
    check.setNews(struct({ recoveryWindowInDays: 0 }));
    const inputs = (await plugin.call("check", check)).getInputs().toJavaScript();
    expect(inputs.name).toMatch(/^creds-[0-9a-f]{7}$/);
    const create = new provproto.CreateRequest();
    create.setUrn(secretUrn);
    create.setProperties(struct(inputs));
    const created = await plugin.call("create", create);
    const arn = created.getId();
    expect(arn).toContain(`:secretsmanager:${REGION_B}:`);
    await sdk(moto, REGION_B)
      .secretsManager()
      .send(new DescribeSecretCommand({ SecretId: arn }));

    const versionUrn = "urn:pulumi:test::standin::aws:secretsmanager/secretVersion:SecretVersion::creds";
    const version = new provproto.CreateRequest();
    version.setUrn(versionUrn);
    version.setProperties(
      struct({ secretId: arn, secretString: { [SPECIAL_SIG_KEY]: SECRET_SIG, value: "top-secret" } }),
    );
    const versionCreated = await plugin.call("create", version);
    const outs = versionCreated.getProperties().toJavaScript();
    expect(outs.secretString).toEqual({ [SPECIAL_SIG_KEY]: SECRET_SIG, value: "top-secret" });
    expect(plugin.stderr()).not.toContain("top-secret");

    const del = new provproto.DeleteRequest();
    del.setId(arn);
    del.setUrn(secretUrn);
    del.setProperties(created.getProperties());
    await plugin.call("delete", del);
    await expect(
      sdk(moto, REGION_B)
        .secretsManager()
        .send(new DescribeSecretCommand({ SecretId: arn })),
    ).rejects.toThrow();
    expect(plugin.stdout()).toBe(`${plugin.port}\n`);
  });
});
