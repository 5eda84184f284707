/** `aws:ecs/cluster:Cluster`, `aws:ecs/taskDefinition:TaskDefinition`, `aws:ecs/service:Service`. */
import type {
  Cluster,
  NetworkConfiguration,
  Service,
  TaskDefinition,
  UpdateServiceCommandInput,
} from "@aws-sdk/client-ecs";
import type { Clients } from "./config.js";
import type { ResourceHandler } from "./types.js";
import { awsErrorName, changesExcept, compact, deepEqual, debug, tagDelta, waitFor, type Props } from "./wire.js";
import { ECS } from "../../automation/sdk.js";

const STEADY_TIMEOUT_MS = Number(process.env.DR_STANDIN_ECS_STEADY_TIMEOUT_MS ?? 20 * 60_000);

function ecsTags(tags: unknown): { key: string; value: string }[] | undefined {
  if (!tags || typeof tags !== "object" || Object.keys(tags).length === 0) return undefined;
  return Object.entries(tags as Record<string, unknown>).map(([key, value]) => ({ key, value: String(value ?? "") }));
}

function fromEcsTags(tags: { key?: string; value?: string }[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key !== undefined) result[tag.key] = tag.value ?? "";
  return result;
}

// ---------------------------------------------------------------- cluster

async function describeCluster(clients: Clients, id: string): Promise<Cluster | undefined> {
  const out = await clients.ecs().send(new ECS.DescribeClustersCommand({ clusters: [id], include: ["TAGS"] }));
  const cluster = out.clusters?.[0];
  return cluster && cluster.status !== "INACTIVE" ? cluster : undefined;
}

function clusterOutputs(cluster: Cluster): Props {
  return compact({ arn: cluster.clusterArn, name: cluster.clusterName, tagsAll: fromEcsTags(cluster.tags) });
}

export const ecsCluster: ResourceHandler = {
  token: "aws:ecs/cluster:Cluster",
  props: { name: { replace: true, computed: true }, tags: {} },
  autoname: { prop: "name", maxLength: 255 },
  async create(ctx, inputs) {
    const out = await ctx.clients
      .ecs()
      .send(new ECS.CreateClusterCommand(compact({ clusterName: inputs.name, tags: ecsTags(inputs.tags) })));
    return { id: out.cluster!.clusterArn!, outs: clusterOutputs(out.cluster!) };
  },
  async read(ctx, id) {
    const cluster = await describeCluster(ctx.clients, id);
    return cluster ? clusterOutputs(cluster) : undefined;
  },
  async update(ctx, id, olds, news) {
    const delta = tagDelta(olds.tags, news.tags);
    if (delta.removed.length > 0)
      await ctx.clients.ecs().send(new ECS.UntagResourceCommand({ resourceArn: id, tagKeys: delta.removed }));
    if (Object.keys(delta.set).length > 0)
      await ctx.clients.ecs().send(new ECS.TagResourceCommand({ resourceArn: id, tags: ecsTags(delta.set) }));
    const cluster = await describeCluster(ctx.clients, id);
    if (!cluster) throw new Error(`ECS Cluster (${id}) not found after update`);
    return clusterOutputs(cluster);
  },
  async delete(ctx, id) {
    try {
      await ctx.clients.ecs().send(new ECS.DeleteClusterCommand({ cluster: id }));
    } catch (error) {
      if (awsErrorName(error) === "ClusterNotFoundException") return;
      throw new Error(`deleting ECS Cluster (${id}): ${(error as Error).message}`, { cause: error });
    }
  },
};

// ---------------------------------------------------------------- task definition

function taskDefinitionOutputs(td: TaskDefinition): Props {
  const arn = td.taskDefinitionArn!;
  return compact({
    arn,
    arnWithoutRevision: arn.replace(/:\d+$/, ""),
    revision: td.revision,
    family: td.family,
  });
}

export const ecsTaskDefinition: ResourceHandler = {
  token: "aws:ecs/taskDefinition:TaskDefinition",
  props: {
    family: { replace: true },
    containerDefinitions: { replace: true },
    cpu: { replace: true },
    memory: { replace: true },
    networkMode: { replace: true, computed: true },
    requiresCompatibilities: { replace: true, set: true },
    executionRoleArn: { replace: true },
    taskRoleArn: { replace: true },
    tags: {},
    skipDestroy: {},
  },
  required: ["family", "containerDefinitions"],
  replaceOnAnyChange: true,
  async create(ctx, inputs) {
    const containerDefinitions =
      typeof inputs.containerDefinitions === "string"
        ? JSON.parse(inputs.containerDefinitions)
        : inputs.containerDefinitions;
    const out = await ctx.clients.ecs().send(
      new ECS.RegisterTaskDefinitionCommand(
        compact({
          family: inputs.family,
          containerDefinitions,
          cpu: inputs.cpu,
          memory: inputs.memory,
          networkMode: inputs.networkMode,
          requiresCompatibilities: inputs.requiresCompatibilities,
          executionRoleArn: inputs.executionRoleArn,
          taskRoleArn: inputs.taskRoleArn,
          tags: ecsTags(inputs.tags),
        }),
      ),
    );
    const td = out.taskDefinition!;
    return { id: td.family!, outs: { ...taskDefinitionOutputs(td), networkMode: td.networkMode } };
  },
  async read(ctx, id, state) {
    try {
      const out = await ctx.clients
        .ecs()
        .send(new ECS.DescribeTaskDefinitionCommand({ taskDefinition: state.arn ?? id }));
      const td = out.taskDefinition;
      return td && td.status !== "INACTIVE" ? taskDefinitionOutputs(td) : undefined;
    } catch (error) {
      if (awsErrorName(error) === "ClientException") return undefined;
      throw error;
    }
  },
  async delete(ctx, _id, state) {
    if (state.skipDestroy === true) return;
    try {
      await ctx.clients.ecs().send(new ECS.DeregisterTaskDefinitionCommand({ taskDefinition: state.arn }));
    } catch (error) {
      if (awsErrorName(error) !== "ClientException") throw error;
    }
  },
};

// ---------------------------------------------------------------- service

async function describeService(
  clients: Clients,
  cluster: string | undefined,
  id: string,
): Promise<Service | undefined> {
  try {
    const out = await clients
      .ecs()
      .send(new ECS.DescribeServicesCommand(compact({ cluster, services: [id], include: ["TAGS"] })));
    return out.services?.[0];
  } catch (error) {
    if (awsErrorName(error) === "ClusterNotFoundException" || awsErrorName(error) === "ServiceNotFoundException")
      return undefined;
    throw error;
  }
}

function networkConfiguration(value: Props | undefined): NetworkConfiguration | undefined {
  if (!value || Object.keys(value).length === 0) return undefined;
  return {
    awsvpcConfiguration: compact({
      subnets: value.subnets ?? [],
      securityGroups: value.securityGroups,
      assignPublicIp: value.assignPublicIp === undefined ? undefined : value.assignPublicIp ? "ENABLED" : "DISABLED",
    }) as NonNullable<NetworkConfiguration["awsvpcConfiguration"]>,
  };
}

function loadBalancers(value: Props[] | undefined) {
  if (!value || value.length === 0) return undefined;
  return value.map((lb) =>
    compact({
      targetGroupArn: lb.targetGroupArn,
      loadBalancerName: lb.elbName,
      containerName: lb.containerName,
      containerPort: lb.containerPort,
    }),
  );
}

function serviceOutputs(service: Service): Props {
  return compact({
    arn: service.serviceArn,
    name: service.serviceName,
    cluster: service.clusterArn,
    taskDefinition: service.taskDefinition,
    desiredCount: service.desiredCount,
    launchType: service.launchType,
    platformVersion: service.platformVersion,
    tagsAll: fromEcsTags(service.tags),
  });
}

/** Steady state: exactly one deployment and runningCount == desiredCount. */
async function waitSteady(clients: Clients, cluster: string, id: string): Promise<Service> {
  let polls = 0;
  let nudged = false;
  return waitFor(
    `ECS Service (${id}) to reach steady state`,
    async () => {
      const service = await describeService(clients, cluster, id);
      if (!service) throw new Error(`ECS Service (${id}) not found while waiting for steady state`);
      if ((service.deployments?.length ?? 0) <= 1 && service.runningCount === service.desiredCount) return service;
      polls += 1;
      // moto reports MOTO_ECS_SERVICE_RUNNING tasks after CreateService whatever
      // the desired count; an UpdateService with the same desired count makes it
      // report desiredCount (a no-op on AWS). Only done once, after a few polls.
      if (!nudged && polls >= 2 && (service.deployments?.length ?? 0) <= 1) {
        nudged = true;
        debug(`nudging ${id} to desiredCount ${service.desiredCount}`);
        await clients
          .ecs()
          .send(new ECS.UpdateServiceCommand({ cluster, service: id, desiredCount: service.desiredCount }));
      }
      return undefined;
    },
    { timeoutMs: STEADY_TIMEOUT_MS, intervalMs: 200 },
  );
}

const SERVICE_UPDATE_WAITS_EXCEPT = ["forceDelete", "tags", "tagsAll"] as const;

export const ecsService: ResourceHandler = {
  token: "aws:ecs/service:Service",
  updateWaitsExcept: SERVICE_UPDATE_WAITS_EXCEPT,
  props: {
    name: { replace: true, computed: true },
    cluster: { replace: true, computed: true },
    taskDefinition: {},
    desiredCount: {},
    launchType: { replace: true, computed: true },
    platformVersion: { computed: true },
    networkConfiguration: {},
    loadBalancers: {},
    healthCheckGracePeriodSeconds: {},
    deploymentMinimumHealthyPercent: {},
    deploymentMaximumPercent: {},
    enableExecuteCommand: {},
    propagateTags: {},
    waitForSteadyState: {},
    forceNewDeployment: {},
    forceDelete: {},
    tags: {},
  },
  autoname: { prop: "name", maxLength: 255 },
  async create(ctx, inputs) {
    const out = await ctx.clients.ecs().send(
      new ECS.CreateServiceCommand(
        compact({
          cluster: inputs.cluster,
          serviceName: inputs.name,
          taskDefinition: inputs.taskDefinition,
          desiredCount: inputs.desiredCount ?? 0,
          launchType: inputs.launchType,
          platformVersion: inputs.platformVersion,
          networkConfiguration: networkConfiguration(inputs.networkConfiguration),
          loadBalancers: loadBalancers(inputs.loadBalancers),
          healthCheckGracePeriodSeconds: inputs.healthCheckGracePeriodSeconds,
          enableExecuteCommand: inputs.enableExecuteCommand,
          propagateTags: inputs.propagateTags,
          deploymentConfiguration:
            inputs.deploymentMinimumHealthyPercent !== undefined || inputs.deploymentMaximumPercent !== undefined
              ? compact({
                  minimumHealthyPercent: inputs.deploymentMinimumHealthyPercent,
                  maximumPercent: inputs.deploymentMaximumPercent,
                })
              : undefined,
          tags: ecsTags(inputs.tags),
        }),
      ),
    );
    let service = out.service!;
    ctx.created(service.serviceArn!, serviceOutputs(service));
    if (inputs.waitForSteadyState === true)
      service = await waitSteady(ctx.clients, service.clusterArn!, service.serviceArn!);
    return { id: service.serviceArn!, outs: serviceOutputs(service) };
  },
  async read(ctx, id, state) {
    // service ARN: arn:aws:ecs:<region>:<account>:service/<cluster>/<name>
    const cluster = state.cluster ?? id.match(/:service\/([^/]+)\/[^/]+$/)?.[1];
    const service = await describeService(ctx.clients, cluster, id);
    if (!service || service.status === "INACTIVE") return undefined;
    return serviceOutputs(service);
  },
  async update(ctx, id, olds, news) {
    const cluster = olds.cluster ?? news.cluster;
    const input: UpdateServiceCommandInput = { cluster, service: id };
    let needed = false;
    const set = <K extends keyof UpdateServiceCommandInput>(key: K, value: UpdateServiceCommandInput[K]) => {
      input[key] = value;
      needed = true;
    };
    if (news.taskDefinition !== undefined && news.taskDefinition !== olds.taskDefinition)
      set("taskDefinition", news.taskDefinition);
    if (news.desiredCount !== undefined && news.desiredCount !== olds.desiredCount)
      set("desiredCount", news.desiredCount);
    if (!deepEqual(news.networkConfiguration, olds.networkConfiguration)) {
      set("networkConfiguration", networkConfiguration(news.networkConfiguration));
    }
    if (!deepEqual(news.loadBalancers, olds.loadBalancers))
      set("loadBalancers", loadBalancers(news.loadBalancers) ?? []);
    if (
      news.healthCheckGracePeriodSeconds !== undefined &&
      news.healthCheckGracePeriodSeconds !== olds.healthCheckGracePeriodSeconds
    ) {
      set("healthCheckGracePeriodSeconds", news.healthCheckGracePeriodSeconds);
    }
    if (news.enableExecuteCommand !== undefined && news.enableExecuteCommand !== olds.enableExecuteCommand) {
      set("enableExecuteCommand", news.enableExecuteCommand);
    }
    // resourceServiceUpdate: UpdateService and the wait only inside HasChangesExcept(force_delete, tags, tags_all).
    const acts = changesExcept(olds, news, Object.keys(ecsService.props), SERVICE_UPDATE_WAITS_EXCEPT);
    if (acts && news.forceNewDeployment === true) input.forceNewDeployment = true;
    if (needed || acts) await ctx.clients.ecs().send(new ECS.UpdateServiceCommand(input));
    const delta = tagDelta(olds.tags, news.tags);
    if (delta.removed.length > 0)
      await ctx.clients.ecs().send(new ECS.UntagResourceCommand({ resourceArn: id, tagKeys: delta.removed }));
    if (Object.keys(delta.set).length > 0)
      await ctx.clients.ecs().send(new ECS.TagResourceCommand({ resourceArn: id, tags: ecsTags(delta.set) }));
    const service =
      acts && news.waitForSteadyState === true
        ? await waitSteady(ctx.clients, cluster, id)
        : await describeService(ctx.clients, cluster, id);
    if (!service) throw new Error(`ECS Service (${id}) not found after update`);
    return serviceOutputs(service);
  },
  async delete(ctx, id, state) {
    const ecs = ctx.clients.ecs();
    const service = await describeService(ctx.clients, state.cluster, id);
    if (!service || service.status === "INACTIVE") return;
    if (service.status === "ACTIVE" && (service.desiredCount ?? 0) > 0) {
      await ecs.send(new ECS.UpdateServiceCommand({ cluster: state.cluster, service: id, desiredCount: 0 }));
    }
    await ecs.send(new ECS.DeleteServiceCommand({ cluster: state.cluster, service: id, force: true }));
    await waitFor(
      `ECS Service (${id}) to be deleted`,
      async () => {
        const current = await describeService(ctx.clients, state.cluster, id);
        return !current || current.status === "INACTIVE" ? true : undefined;
      },
      { timeoutMs: STEADY_TIMEOUT_MS },
    );
  },
};
