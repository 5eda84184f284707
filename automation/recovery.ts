/**
 * Crash recovery, run at the start of every journey that touches an existing
 * stack. A run that was killed (machine lost, SIGKILL, second Ctrl-C) leaves
 * two things behind (pulumi/pulumi#4265):
 *
 * - a **lock** in a file or s3:// backend (`.pulumi/locks/…/<stack>/<id>.json`,
 *   with the pid and host of the pulumi process that held it). It is cleared only
 *   when its owner is provably gone: same host and no such process. A lock of
 *   a live process, or of another host, is a refusal (someone else may be
 *   running this stack right now).
 * - **pending operations** in the checkpoint: resources the engine had asked
 *   the provider to create, update or delete when it died. A pending *create*
 *   may exist in AWS without being recorded: dropping it would orphan it and
 *   (for fixed names such as the DR database) make the next create fail with
 *   "already exists"; re-creating it would duplicate it. So each pending create
 *   is looked up in AWS by the name the engine had already given it, and when
 *   found it is adopted into the state under its real id (then refreshed for
 *   its live outputs); when not found it is dropped. Pending updates and
 *   deletes are dropped and the resources refreshed, so the state says what
 *   AWS holds (a delete that completed removes the resource from the state).
 *
 * Every action is emitted as a warning event (code RECOVERY_*) and journaled.
 */
import type { Stack } from "@pulumi/pulumi/automation/index.js";
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { AwsClients } from "./aws.js";
import { awsErrorName } from "./aws.js";
import { backendStoreFor } from "./backend-store.js";
import { RefusedError } from "./errors.js";
import type { EventSink } from "./events.js";
import type { Journal } from "./journal.js";
import { ownedKey } from "./preflight.js";
import { ECS, ElastiCache, ELBv2, IAM, RDS, Route53, SecretsManager } from "./sdk.js";
import { parseUrn, RESOURCE_TYPES } from "./vocabulary.js";
import { SUMMARY_WITHOUT_SECRETS } from "./workspace.js";

export interface RecoveryContext {
  aws: AwsClients;
  /** Region of the stack's resources. */
  region: string;
  /** Backend URL: locks are inspected in file:// and s3:// backends. */
  backendUrl: string;
  emit: EventSink;
  journal: Journal;
}

export interface RecoveryResult {
  locksCleared: number;
  adopted: string[];
  dropped: string[];
  refreshed: string[];
}

interface LockContent {
  pid?: number;
  hostname?: string;
  username?: string;
  timestamp?: string;
}

interface StateResource {
  urn: string;
  type: string;
  id?: string;
  custom?: boolean;
  // biome-ignore lint/suspicious/noExplicitAny: a resource's inputs as the state holds them: untyped JSON, read per resource type
  inputs?: Record<string, any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  outputs?: Record<string, any>;
  [key: string]: unknown;
}

interface PendingOperation {
  resource: StateResource;
  type: "creating" | "updating" | "deleting" | "reading" | "importing" | string;
}

/** Whether the process that wrote a lock still runs. */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  // A killed process whose parent died too stays a zombie until init reaps it, which some inits
  // (a VM's minimal one) do seconds later: it answers signal 0 but holds nothing. Linux says Z.
  try {
    return !/^\d+ \(.*\) Z /s.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return true;
  }
}

/** A lock of this stack in the state backend, wherever it is kept. */
interface StackLock {
  /** Where it is, for messages: a path or an s3:// URL. */
  where: string;
  content: LockContent;
  remove(): Promise<void>;
}

const isLockOf = (stackName: string) => (key: string) =>
  key.endsWith(".json") && key.split("/").slice(-2, -1)[0] === stackName;

/**
 * The stack's locks (`.pulumi/locks/…/<stack>/<id>.json`) in a file or s3://
 * backend; none elsewhere (Pulumi Cloud keeps its own and releases them with
 * `pulumi cancel`).
 */
async function stackLocks(ctx: RecoveryContext, stackName: string): Promise<StackLock[]> {
  const store = backendStoreFor(ctx.backendUrl, ctx.region);
  if (!store) return [];
  try {
    const keys = (await store.list(".pulumi/locks/")).filter(isLockOf(stackName));
    return await Promise.all(
      keys.map(async (key) => ({
        where: store.where(key),
        content: JSON.parse((await store.get(key)) || "{}") as LockContent,
        remove: () => store.delete(key),
      })),
    );
  } catch (error) {
    if (ctx.backendUrl.startsWith("file://")) throw error;
    // Not being able to look is no reason to stop a failover: a lock that is really there stops the engine, with its own message.
    const message = `could not inspect the locks of stack ${stackName} in ${ctx.backendUrl.split("?")[0]}: ${(error as Error).message}`;
    ctx.emit({ type: "warning", code: "RECOVERY_LOCKS_UNREADABLE", message });
    await ctx.journal.write("recovery", "info", message);
    return [];
  }
}

/** Clears locks whose owner process is gone; refuses live or foreign ones. */
async function clearStaleLocks(ctx: RecoveryContext, stack: Stack): Promise<number> {
  let cleared = 0;
  for (const { where, content: lock, remove } of await stackLocks(ctx, stack.name)) {
    const owner = `pid ${lock.pid ?? "?"} on ${lock.hostname ?? "?"}${lock.timestamp ? ` since ${lock.timestamp}` : ""}`;
    if (lock.hostname !== hostname()) {
      throw new RefusedError(
        "STACK_LOCKED_ELSEWHERE",
        `stack ${stack.name} is locked by ${owner}: another machine may be running it`,
        {
          hint: `If that machine is gone for good, remove the lock with \`pulumi cancel --stack ${stack.name}\` (or delete ${where}), then re-run.`,
        },
      );
    }
    if (lock.pid !== undefined && processAlive(lock.pid)) {
      throw new RefusedError("STACK_LOCKED", `stack ${stack.name} is locked by a running process (${owner})`, {
        hint: "Another dr-failover or pulumi run is working on this stack: wait for it, or stop it first.",
      });
    }
    // The owner is gone: the lock is stale. Removing it is what `pulumi cancel` does on a self-managed backend.
    await remove();
    cleared += 1;
    const message = `cleared the stale lock of stack ${stack.name} (${owner}; that process no longer exists) at ${where}`;
    ctx.emit({ type: "warning", code: "RECOVERY_STALE_LOCK_CLEARED", message });
    await ctx.journal.write("recovery", "info", message);
  }
  return cleared;
}

const exists = async (probe: () => Promise<boolean>): Promise<boolean> => {
  try {
    return await probe();
  } catch (error) {
    if (/NotFound|NoSuch|does not exist|not found/i.test(`${awsErrorName(error)} ${(error as Error).message}`))
      return false;
    throw error;
  }
};

/**
 * The id under which a pending create exists in AWS, or undefined when it does
 * not exist. Ids follow the stand-in SPEC / real provider for each type.
 */
async function findCreated(aws: AwsClients, region: string, resource: StateResource): Promise<string | undefined> {
  const inputs = resource.inputs ?? {};
  const r = typeof inputs.region === "string" && inputs.region ? inputs.region : region;
  switch (resource.type) {
    case RESOURCE_TYPES.rdsInstance: {
      const id = inputs.identifier as string;
      const found = await exists(async () =>
        Boolean(
          (await aws.rds(r).send(new RDS.DescribeDBInstancesCommand({ DBInstanceIdentifier: id }))).DBInstances?.length,
        ),
      );
      return found ? id : undefined;
    }
    case RESOURCE_TYPES.cacheReplicationGroup: {
      // The id is the replication group id, lowercased (upstream's StateFunc).
      const id = String(inputs.replicationGroupId).toLowerCase();
      const group = await exists(async () =>
        Boolean(
          (
            await aws.elasticache(r).send(new ElastiCache.DescribeReplicationGroupsCommand({ ReplicationGroupId: id }))
          ).ReplicationGroups?.some((found) => found.Status !== "deleting"),
        ),
      );
      return group ? id : undefined;
    }
    case "aws:iam/role:Role":
      return (await exists(async () =>
        Boolean(await aws.iam().send(new IAM.GetRoleCommand({ RoleName: inputs.name }))),
      ))
        ? inputs.name
        : undefined;
    case "aws:iam/rolePolicy:RolePolicy":
      return (await exists(async () =>
        Boolean(await aws.iam().send(new IAM.GetRolePolicyCommand({ RoleName: inputs.role, PolicyName: inputs.name }))),
      ))
        ? `${inputs.role}:${inputs.name}`
        : undefined;
    case "aws:iam/rolePolicyAttachment:RolePolicyAttachment": {
      const attached = await exists(async () =>
        (
          (await aws.iam().send(new IAM.ListAttachedRolePoliciesCommand({ RoleName: inputs.role }))).AttachedPolicies ??
          []
        ).some((p) => p.PolicyArn === inputs.policyArn),
      );
      return attached ? `${inputs.role}/${inputs.policyArn}` : undefined;
    }
    case "aws:secretsmanager/secret:Secret": {
      let arn: string | undefined;
      await exists(async () => {
        const found = await aws.secrets(r).send(new SecretsManager.DescribeSecretCommand({ SecretId: inputs.name }));
        arn = found.DeletedDate ? undefined : found.ARN;
        return true;
      });
      return arn;
    }
    case RESOURCE_TYPES.ecsCluster: {
      const found = await aws.ecs(r).send(new ECS.DescribeClustersCommand({ clusters: [inputs.name] }));
      return found.clusters?.find((cluster) => cluster.status === "ACTIVE")?.clusterArn;
    }
    case RESOURCE_TYPES.ecsTaskDefinition: {
      const found = await aws
        .ecs(r)
        .send(new ECS.ListTaskDefinitionsCommand({ familyPrefix: inputs.family, status: "ACTIVE" }));
      return found.taskDefinitionArns?.length ? inputs.family : undefined;
    }
    case RESOURCE_TYPES.ecsService: {
      const found = await exists(async () =>
        Boolean(
          await aws.ecs(r).send(new ECS.DescribeServicesCommand({ cluster: inputs.cluster, services: [inputs.name] })),
        ),
      );
      if (!found) return undefined;
      const services = await aws
        .ecs(r)
        .send(new ECS.DescribeServicesCommand({ cluster: inputs.cluster, services: [inputs.name] }));
      return services.services?.find((service) => service.status === "ACTIVE")?.serviceArn;
    }
    case "aws:lb/loadBalancer:LoadBalancer": {
      let arn: string | undefined;
      await exists(async () => {
        arn = (await aws.elbv2(r).send(new ELBv2.DescribeLoadBalancersCommand({ Names: [inputs.name] })))
          .LoadBalancers?.[0]?.LoadBalancerArn;
        return true;
      });
      return arn;
    }
    case "aws:lb/targetGroup:TargetGroup": {
      let arn: string | undefined;
      await exists(async () => {
        arn = (await aws.elbv2(r).send(new ELBv2.DescribeTargetGroupsCommand({ Names: [inputs.name] })))
          .TargetGroups?.[0]?.TargetGroupArn;
        return true;
      });
      return arn;
    }
    case "aws:lb/listener:Listener": {
      let arn: string | undefined;
      await exists(async () => {
        const listeners = await aws
          .elbv2(r)
          .send(new ELBv2.DescribeListenersCommand({ LoadBalancerArn: inputs.loadBalancerArn }));
        arn = listeners.Listeners?.find(
          (listener) => inputs.port === undefined || listener.Port === Number(inputs.port),
        )?.ListenerArn;
        return true;
      });
      return arn;
    }
    case "aws:route53/record:Record": {
      const name = String(inputs.name).replace(/\.$/, "").toLowerCase();
      const sets = await aws.route53().send(
        new Route53.ListResourceRecordSetsCommand({
          HostedZoneId: inputs.zoneId,
          StartRecordName: name,
          StartRecordType: inputs.type,
          MaxItems: 1,
        }),
      );
      const set = sets.ResourceRecordSets?.find(
        (candidate) => candidate.Name?.replace(/\.$/, "").toLowerCase() === name && candidate.Type === inputs.type,
      );
      return set
        ? `${inputs.zoneId}_${name}_${inputs.type}${inputs.setIdentifier ? `_${inputs.setIdentifier}` : ""}`
        : undefined;
    }
    case "aws:route53/zone:Zone": {
      // Zone names are not unique: adopt only a private zone of this name, associated with the
      // stack's VPC and carrying the stack's comment (set by CreateHostedZone itself).
      const name = String(inputs.name).replace(/\.$/, "").toLowerCase();
      const vpcIds = new Set(((inputs.vpcs as { vpcId?: string }[] | undefined) ?? []).map((vpc) => vpc.vpcId));
      const listed = await aws
        .route53()
        .send(new Route53.ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 100 }));
      for (const zone of listed.HostedZones ?? []) {
        if (zone.Name?.replace(/\.$/, "").toLowerCase() !== name || zone.Config?.PrivateZone !== true) continue;
        if ((zone.Config?.Comment ?? "") !== (inputs.comment ?? "")) continue;
        const details = await aws.route53().send(new Route53.GetHostedZoneCommand({ Id: zone.Id }));
        if ((details.VPCs ?? []).some((vpc) => vpcIds.has(vpc.VPCId))) return zone.Id!.replace(/^\/?hostedzone\//, "");
      }
      return undefined;
    }
    default:
      // A secret version, or a type we cannot look up: a re-run creates it again (a new version of the same secret).
      return undefined;
  }
}

const shortName = (urn: string) => {
  const { type, name } = parseUrn(urn);
  return `${type} ${name}`;
};

/** Drops pending operations; adopts pending creates that exist in AWS; refreshes what was in flight. */
async function resolvePendingOperations(
  ctx: RecoveryContext,
  stack: Stack,
): Promise<Omit<RecoveryResult, "locksCleared">> {
  const state = await stack.exportStack();
  const deployment = (
    state as { deployment?: { resources?: StateResource[]; pending_operations?: PendingOperation[] } }
  ).deployment;
  const pending = deployment?.pending_operations ?? [];
  const result = { adopted: [] as string[], dropped: [] as string[], refreshed: [] as string[] };
  if (!deployment || pending.length === 0) return result;
  const resources = deployment.resources ?? [];
  const known = new Set(resources.map((resource) => resource.urn));
  for (const operation of pending) {
    const { resource } = operation;
    if (operation.type === "creating" && resource.custom !== false && !known.has(resource.urn)) {
      const id = await findCreated(ctx.aws, ctx.region, resource);
      if (id) {
        // Adopted as it was being created: inputs as sent, live outputs from the refresh below.
        resources.push({ ...resource, id, outputs: { ...(resource.inputs ?? {}), ...(resource.outputs ?? {}) } });
        known.add(resource.urn);
        result.adopted.push(resource.urn);
        result.refreshed.push(resource.urn);
        continue;
      }
      result.dropped.push(resource.urn);
      continue;
    }
    if (known.has(resource.urn)) result.refreshed.push(resource.urn);
    else result.dropped.push(resource.urn);
  }
  deployment.resources = resources;
  deployment.pending_operations = [];
  await stack.importStack(state);
  const described = pending.map((operation) => `${operation.type} ${shortName(operation.resource.urn)}`).join(", ");
  const message =
    `the previous run of ${stack.name} was interrupted with ${pending.length} operation(s) in flight (${described}): ` +
    [
      result.adopted.length
        ? `adopted ${result.adopted.length} that exist in AWS (${result.adopted.map(shortName).join(", ")})`
        : "",
      result.dropped.length
        ? `dropped ${result.dropped.length} that do not (${result.dropped.map(shortName).join(", ")})`
        : "",
      result.refreshed.length ? `refreshed ${result.refreshed.length} from AWS` : "",
    ]
      .filter(Boolean)
      .join("; ");
  ctx.emit({ type: "warning", code: "RECOVERY_PENDING_OPERATIONS_RESOLVED", message });
  await ctx.journal.write("recovery", "info", message);
  if (result.refreshed.length) {
    // The state must say what AWS holds: adopted resources get their live outputs; deleted ones leave the state.
    await stack.refresh({ target: result.refreshed, color: "never", ...SUMMARY_WITHOUT_SECRETS });
  }
  return result;
}

/**
 * `ownedKey(type, name)` of every named resource the stack's state holds:
 * recorded resources, and the pending creates a killed run left (they may exist
 * in AWS already, and recovery adopts them). Read-only.
 */
export async function namesHeldByStack(stack: Stack): Promise<Set<string>> {
  const state = (await stack.exportStack()) as {
    deployment?: { resources?: StateResource[]; pending_operations?: PendingOperation[] };
  };
  const held = new Set<string>();
  const resources = [
    ...(state.deployment?.resources ?? []),
    ...(state.deployment?.pending_operations ?? [])
      .filter((operation) => operation.type === "creating")
      .map((operation) => operation.resource),
  ];
  for (const resource of resources) {
    for (const name of [resource.outputs?.name, resource.inputs?.name]) {
      if (typeof name === "string" && name) held.add(ownedKey(resource.type, name));
    }
  }
  return held;
}

/** Makes a stack left behind by a killed run usable again; a no-op for a clean stack. */
export async function recoverStack(ctx: RecoveryContext, stack: Stack): Promise<RecoveryResult> {
  const locksCleared = await clearStaleLocks(ctx, stack);
  const pending = await resolvePendingOperations(ctx, stack);
  return { locksCleared, ...pending };
}
