/**
 * Shared setup of the stand-in aws provider tests: one moto server per test
 * file, a provider configured for a region with moto as every endpoint, and
 * helpers to build URNs and SDK clients.
 */
import type { EC2Client } from "@aws-sdk/client-ec2";
import { AwsClients, EMULATOR_CREDENTIALS } from "../../automation/aws.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import { buildConfig, Clients, type StandinConfig } from "../../emulator/aws-standin/config.js";
import { StandinProvider } from "../../emulator/aws-standin/provider.js";
import { makeSecret, SPECIAL_SIG_KEY, SECRET_SIG } from "../../emulator/aws-standin/wire.js";

export { makeSecret };

export const REGION_A = "us-east-1";
export const REGION_B = "us-west-2";

export function standinConfig(moto: MotoServer, region: string): StandinConfig {
  // The shape the engine sends for `new aws.Provider(..., { region, endpoints: [...] })`:
  // endpoints travel JSON-encoded.
  const endpoints = JSON.stringify([
    {
      rds: moto.endpoint,
      s3: moto.endpoint,
      route53: moto.endpoint,
      secretsmanager: moto.endpoint,
      ecs: moto.endpoint,
      elbv2: moto.endpoint,
      iam: moto.endpoint,
      elasticache: moto.endpoint,
    },
  ]);
  return buildConfig({}, { region, endpoints, accessKey: "test", secretKey: "test", s3UsePathStyle: "true" }, {});
}

export function standinProvider(moto: MotoServer, region: string): StandinProvider {
  return new StandinProvider({ config: standinConfig(moto, region) });
}

export function sdk(moto: MotoServer, region: string): Clients {
  return new Clients(standinConfig(moto, region));
}

/** The stand-in never calls EC2; tests read the default network through this client. */
export function ec2(moto: MotoServer, region: string): EC2Client {
  return new AwsClients({ endpoint: moto.endpoint, credentials: EMULATOR_CREDENTIALS }).ec2(region);
}

export function urn(type: string, name: string): string {
  return `urn:pulumi:test::standin::${type}::${name}`;
}

export function isSecretValue(value: unknown): boolean {
  return (
    typeof value === "object" && value !== null && (value as Record<string, unknown>)[SPECIAL_SIG_KEY] === SECRET_SIG
  );
}

/** Runs check then create, as the engine does. */
export async function checkAndCreate(provider: StandinProvider, resourceUrn: string, news: Record<string, unknown>) {
  const checked = await provider.check(resourceUrn, {}, news);
  if (checked.failures && checked.failures.length > 0) {
    throw new Error(`check failed: ${JSON.stringify(checked.failures)}`);
  }
  const created = await provider.create(resourceUrn, checked.inputs);
  return { inputs: checked.inputs as Record<string, any>, id: created.id, outs: created.outs as Record<string, any> };
}

export { startMoto, type MotoServer };
