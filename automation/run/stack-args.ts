/** The plan (and what preflight resolved) → the stack's arguments; the stack's outputs → what the report shows. */
import type { DrMode, DrStackArgs, DrStackOutputs } from "../../stacks/args.js";
import { targetOf, type Plan } from "../plan.js";
import type { PreflightResult } from "../preflight.js";
import type { RunReport } from "../report/model.js";
import { shortId } from "./ids.js";

/** Builds the stack's arguments from the plan and what preflight resolved. */
export function stackArgsFor(
  plan: Plan,
  targetRegion: string,
  mode: DrMode,
  runId: string,
  preflight: PreflightResult,
  endpoint?: string,
): DrStackArgs {
  const target = targetOf(plan, targetRegion);
  const drill = mode === "drill";
  const short = drill ? shortId(runId) : "";
  const suffix = drill ? `-drill-${short}` : "";
  const ids = (refs: string[], map: Map<string, string>) => refs.map((ref) => map.get(ref)!);
  const lbBase = `${plan.app}`.slice(0, 20);
  return {
    mode,
    app: plan.app,
    targetRegion,
    drillId: drill ? short : undefined,
    endpoint,
    tags: { "dr-failover:app": plan.app, "dr-failover:mode": mode, "dr-failover:run": runId },
    database: {
      identifier: `${plan.database.sourceIdentifier}${drill ? suffix : "-dr"}`.slice(0, 63),
      snapshotIdentifier: preflight.restorePoint.snapshotIdentifier,
      instanceClass: plan.database.instanceClass,
      engine: preflight.restoredDatabase.engine,
      port: preflight.restoredDatabase.port,
      databaseName: plan.database.databaseName,
      multiAz: plan.database.multiAz,
      subnetGroupName: target.database.subnetGroup,
      securityGroupIds: ids(target.database.securityGroups, preflight.securityGroupIds),
      storageEncrypted: preflight.restoredDatabase.storageEncrypted,
      resetPassword: plan.database.credentials.mode === "reset",
      releasing: false,
    },
    storage: { replicaBucket: target.storage.replicaBucket },
    // Unique per stack generation: a destroyed failover's secret sits in its 7-day recovery window,
    // and Secrets Manager refuses a new secret of the same name meanwhile. Re-runs keep the first name.
    secret: { name: `${plan.secrets.databaseSecretName}/dr-${drill ? "drill" : "failover"}-${shortId(runId)}` },
    service: {
      cluster: `${plan.service.cluster}${suffix}`,
      name: `${plan.service.name}${suffix}`,
      image: target.service.image,
      cpu: plan.service.cpu,
      memory: plan.service.memory,
      desiredCount: plan.service.desiredCount,
      containerPort: plan.service.containerPort,
      healthCheckPath: plan.service.healthCheckPath,
      environment: plan.service.environment,
      subnetIds: ids(target.service.subnets, preflight.subnetIds),
      securityGroupIds: ids(target.service.securityGroups, preflight.securityGroupIds),
      assignPublicIp: target.service.assignPublicIp,
    },
    loadBalancer: {
      // ALB and target group names: at most 32 characters.
      name: `${lbBase}-${drill ? `d${short}` : "dr"}`.slice(0, 32),
      targetGroupName: `${lbBase}-${drill ? `d${short}` : "dr"}-tg`.slice(0, 32),
      vpcId: preflight.vpcId,
      subnetIds: ids(target.loadBalancer.subnets, preflight.subnetIds),
      securityGroupIds: ids(target.loadBalancer.securityGroups, preflight.securityGroupIds),
      internal: target.loadBalancer.internal,
    },
    dns: {
      zoneId: preflight.zoneId,
      ownedRecord: drill ? { name: plan.dns.drillRecord, ttl: plan.dns.ttl } : undefined,
    },
  };
}

export function toOutputs(outputs: Record<string, { value: unknown }>): DrStackOutputs {
  return Object.fromEntries(
    Object.entries(outputs).map(([key, output]) => [key, output.value]),
  ) as unknown as DrStackOutputs;
}

export function endpointsOf(outputs: DrStackOutputs): RunReport["endpoints"] {
  return {
    serviceName: outputs.serviceName,
    loadBalancer: outputs.loadBalancerDnsName,
    database: outputs.databaseAddress,
  };
}
