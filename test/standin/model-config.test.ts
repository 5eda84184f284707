import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { buildConfig, endpointFor } from "../../emulator/aws-standin/config.js";
import { autoName } from "../../emulator/aws-standin/provider.js";
import { parseRecordId } from "../../emulator/aws-standin/route53.js";
import {
  DEFAULT_LATENCY,
  FAILBACK_SDK_MODEL,
  failbackModeledWaits,
  modeledDelayMs,
  modeledSeconds,
  TIMING_MODEL,
} from "../../emulator/aws-standin/timing-model.js";
import { containsUnknown, makeSecret, UNKNOWN, unwrap } from "../../emulator/aws-standin/wire.js";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import { REGION_B, standinProvider, startMoto, urn, type MotoServer } from "../support/standin-moto.js";

describe("timing model", () => {
  it("has the documented entries", () => {
    expect(TIMING_MODEL["aws:rds/instance:Instance"]!.create).toBe(1200);
    expect(TIMING_MODEL["aws:lb/loadBalancer:LoadBalancer"]!.create).toBe(180);
    expect(TIMING_MODEL["aws:ecs/service:Service"]!.create).toBe(240);
    expect(TIMING_MODEL["aws:route53/record:Record"]!.update).toBe(60);
    expect(DEFAULT_LATENCY.create).toBe(3);
    for (const entry of Object.values(TIMING_MODEL)) expect(entry.delete).toBeLessThanOrEqual(entry.create);
  });

  it("models a failback's SDK waits with the failover's own restore, service and INSYNC entries", () => {
    expect(FAILBACK_SDK_MODEL).toMatchObject({ restoreS: 1200, serviceDeploymentS: 240, insyncS: 60 });
    const snapshot = failbackModeledWaits("snapshot", { allocatedStorageGb: 20, ttlS: 60 });
    expect(snapshot).toEqual({
      phases: {
        "write-freeze": 300,
        "final-snapshot": 60 + 6 * 20,
        "copy-snapshot": 60 + 30 * 20,
        restore: 1200,
        "data-check": 0,
        "production-secret": 0,
        "production-service": 240,
        dns: 60,
        verification: 0,
      },
      ttlS: 60,
    });
    const replica = failbackModeledWaits("replica", { allocatedStorageGb: 20, ttlS: 60 });
    expect(Object.values(replica.phases).reduce((sum, seconds) => sum + seconds, 0)).toBe(300 + 30 + 300 + 240 + 60);
  });

  it("scales, is off by default, and honours per-type overrides", () => {
    expect(modeledDelayMs("aws:rds/instance:Instance", "create", {}, {})).toBe(0);
    expect(modeledDelayMs("aws:rds/instance:Instance", "create", {}, { DR_STANDIN_LATENCY_SCALE: "0.001" })).toBe(1200);
    expect(modeledSeconds("aws:ecs/service:Service", "create", { waitForSteadyState: false }, {})).toBe(3);
    expect(modeledSeconds("aws:ecs/service:Service", "update", { waitForSteadyState: true }, {})).toBe(240);
    expect(modeledSeconds("aws:iam/role:Role", "create", {}, {})).toBe(3);
    const env = {
      DR_STANDIN_LATENCY_MODEL: JSON.stringify({
        "aws:rds/instance:Instance": 900,
        "aws:iam/role:Role": { create: 7, delete: 2 },
      }),
    };
    expect(modeledSeconds("aws:rds/instance:Instance", "create", {}, env)).toBe(900);
    expect(modeledSeconds("aws:rds/instance:Instance", "delete", {}, env)).toBe(300);
    expect(modeledSeconds("aws:iam/role:Role", "create", {}, env)).toBe(7);
    expect(() => modeledSeconds("aws:iam/role:Role", "create", {}, { DR_STANDIN_LATENCY_MODEL: "{" })).toThrow(/JSON/);
  });
});

describe("provider config", () => {
  it("reads variables and args (JSON-encoded endpoints) with env fallbacks", () => {
    const fromVariables = buildConfig(
      {
        "aws:config:region": "eu-west-1",
        "aws:config:endpoints": JSON.stringify([{ rds: "http://a" }, { elbv2: "http://b" }]),
      },
      {},
      {},
    );
    expect(fromVariables).toMatchObject({
      region: "eu-west-1",
      endpoints: { rds: "http://a", elbv2: "http://b" },
      accessKey: "test",
      secretKey: "test",
      s3UsePathStyle: true,
    });
    const fromArgs = buildConfig(
      { "aws:region": "eu-west-1" },
      { region: "ap-northeast-1", accessKey: makeSecret("AK"), secretKey: makeSecret("SK") },
      {},
    );
    expect(fromArgs).toMatchObject({ region: "ap-northeast-1", accessKey: "AK", secretKey: "SK" });
    const fromEnv = buildConfig({}, {}, { AWS_REGION: "us-east-2", AWS_ENDPOINT_URL: "http://env" });
    expect(fromEnv.region).toBe("us-east-2");
    expect(endpointFor(fromEnv, "rds", { AWS_ENDPOINT_URL: "http://env" })).toBe("http://env");
    expect(endpointFor(fromVariables, "elbv2", {})).toBe("http://b");
    expect(endpointFor(buildConfig({}, { endpoints: '[{"lb":"http://lb"}]' }, {}), "elbv2", {})).toBe("http://lb");
  });
});

describe("wire helpers", () => {
  it("unwraps secrets and detects unknowns", () => {
    expect(unwrap({ a: makeSecret("x"), b: [makeSecret(1)] })).toEqual({ a: "x", b: [1] });
    expect(containsUnknown({ a: [UNKNOWN] })).toBe(true);
    expect(containsUnknown({ a: ["x"] })).toBe(false);
  });
  it("autonames within limits and parses record ids", () => {
    expect(autoName(urn("aws:rds/instance:Instance", "My_DB"), { lowercase: true, maxLength: 63 })).toMatch(
      /^my-db-[0-9a-f]{7}$/,
    );
    expect(autoName(urn("aws:lb/targetGroup:TargetGroup", "x".repeat(40)), { maxLength: 32 })).toHaveLength(32);
    expect(parseRecordId("Z123_app.example.com_A")).toEqual({ zoneId: "Z123", name: "app.example.com", type: "A" });
    expect(parseRecordId("Z123__dmarc.example.com_TXT_primary")).toEqual({
      zoneId: "Z123",
      name: "_dmarc.example.com",
      type: "TXT",
      setIdentifier: "primary",
    });
  });
});

describe("modeled latency inside create/delete", () => {
  let moto: MotoServer;
  let provider: StandinProvider;
  beforeAll(async () => {
    moto = await startMoto();
    provider = standinProvider(moto, REGION_B);
  }, 120_000);
  afterAll(async () => {
    await moto?.stop();
  });
  afterEach(() => {
    delete process.env.DR_STANDIN_LATENCY_SCALE;
    delete process.env.DR_STANDIN_LATENCY_MODEL;
  });

  it("sleeps scale × modeled seconds", async () => {
    process.env.DR_STANDIN_LATENCY_SCALE = "0.1";
    process.env.DR_STANDIN_LATENCY_MODEL = JSON.stringify({ "aws:ecs/cluster:Cluster": { create: 5, delete: 2 } });
    await provider.create(urn("aws:ecs/cluster:Cluster", "warm"), { name: "warm" }); // moto loads the ECS backend lazily
    const started = Date.now();
    const created = await provider.create(urn("aws:ecs/cluster:Cluster", "slow"), { name: "slow" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(480);
    const deleting = Date.now();
    await provider.delete(created.id, urn("aws:ecs/cluster:Cluster", "slow"), created.outs);
    expect(Date.now() - deleting).toBeGreaterThanOrEqual(180);
  });
});
