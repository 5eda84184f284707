// @pulumi/aws per service, by default import: stacks/provider.ts says why.
import ecs from "@pulumi/aws/ecs/index.js";
import iam from "@pulumi/aws/iam/index.js";
import lb from "@pulumi/aws/lb/index.js";
import * as pulumi from "@pulumi/pulumi";
import type { DrStackArgs } from "./args.js";

export interface AppServiceArgs {
  service: DrStackArgs["service"];
  loadBalancer: DrStackArgs["loadBalancer"];
  secretArn: pulumi.Output<string>;
  replicaBucket: pulumi.Input<string>;
  /** The restored cache's primary endpoint: the container gets it as REDIS_HOST and REDIS_PORT (not secret). */
  cache?: { address: pulumi.Output<string>; port: pulumi.Output<number | undefined> };
}

const ECS_TASKS_TRUST = JSON.stringify({
  Version: "2012-10-17",
  Statement: [{ Effect: "Allow", Principal: { Service: "ecs-tasks.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

/** Keys of the connection secret handed to the container as environment variables. */
const SECRET_KEYS = {
  DB_HOST: "host",
  DB_PORT: "port",
  DB_NAME: "database",
  DB_USER: "username",
  DB_PASSWORD: "password",
};

/**
 * The ECS service behind an application load balancer. Nothing here waits for
 * the database: the secret holds a connection name known up front, so the
 * service starts (and reaches steady state) while the restore runs; its tasks
 * answer healthy once the name resolves to the restored instance, and the
 * health-check grace period keeps ECS from replacing them meanwhile.
 */
export class AppService extends pulumi.ComponentResource {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.Service;
  readonly loadBalancer: lb.LoadBalancer;
  readonly targetGroup: lb.TargetGroup;
  readonly taskRole: iam.Role;

  constructor(name: string, args: AppServiceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("dr-failover:stack:AppService", name, {}, opts);
    const { service, loadBalancer } = args;
    const parent = { parent: this };

    const executionRole = new iam.Role(
      "execution-role",
      { name: service.executionRoleName, assumeRolePolicy: ECS_TASKS_TRUST },
      parent,
    );
    new iam.RolePolicyAttachment(
      "execution-role-managed",
      { role: executionRole.name, policyArn: "arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy" },
      parent,
    );
    new iam.RolePolicy(
      "execution-role-secret",
      {
        role: executionRole.name,
        policy: args.secretArn.apply((arn) =>
          JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: arn }],
          }),
        ),
      },
      parent,
    );
    this.taskRole = new iam.Role(
      "task-role",
      { name: service.taskRoleName, assumeRolePolicy: ECS_TASKS_TRUST },
      parent,
    );

    this.cluster = new ecs.Cluster("cluster", { name: service.cluster }, parent);

    const redis = args.cache
      ? pulumi
          .all([args.cache.address, args.cache.port])
          .apply(([host, port]): Record<string, string> => ({ REDIS_HOST: host, REDIS_PORT: String(port ?? 6379) }))
      : pulumi.output<Record<string, string>>({});
    const containerDefinitions = pulumi
      .all([args.secretArn, args.replicaBucket, redis])
      .apply(([secretArn, bucket, cacheEnv]) =>
        JSON.stringify([
          {
            name: service.name,
            image: service.image,
            essential: true,
            portMappings: [{ containerPort: service.containerPort, protocol: "tcp" }],
            environment: Object.entries({
              ...service.environment,
              ...cacheEnv,
              ASSETS_BUCKET: bucket,
              DATABASE_SECRET_ARN: secretArn,
            })
              .sort(([a], [b]) => a.localeCompare(b))
              .map(([key, value]) => ({ name: key, value })),
            secrets: Object.entries(SECRET_KEYS).map(([env, key]) => ({
              name: env,
              valueFrom: `${secretArn}:${key}::`,
            })),
          },
        ]),
      );
    const taskDefinition = new ecs.TaskDefinition(
      "task",
      {
        family: service.taskFamily,
        cpu: String(service.cpu),
        memory: String(service.memory),
        networkMode: "awsvpc",
        requiresCompatibilities: ["FARGATE"],
        executionRoleArn: executionRole.arn,
        taskRoleArn: this.taskRole.arn,
        containerDefinitions,
      },
      parent,
    );

    this.loadBalancer = new lb.LoadBalancer(
      "load-balancer",
      {
        name: loadBalancer.name,
        loadBalancerType: "application",
        internal: loadBalancer.internal,
        ipAddressType: loadBalancer.ipAddressType,
        subnets: loadBalancer.subnetIds,
        securityGroups: loadBalancer.securityGroupIds,
      },
      parent,
    );
    this.targetGroup = new lb.TargetGroup(
      "target-group",
      {
        name: loadBalancer.targetGroupName,
        port: service.containerPort,
        protocol: "HTTP",
        targetType: "ip",
        vpcId: loadBalancer.vpcId,
        // Set explicitly, sized for DR: the app's first healthy answer after the restored database
        // answers comes interval × healthyThreshold later (upstream's defaults, 30 s × 3, would be 90 s).
        healthCheck: {
          path: service.healthCheckPath,
          matcher: "200-399",
          interval: service.healthCheckIntervalSeconds,
          healthyThreshold: service.healthyThreshold,
        },
      },
      parent,
    );
    const targetGroup = this.targetGroup;
    // Production parity: clients of the production name speak HTTPS, so the DR load balancer
    // serves it with the certificate, and plain HTTP only redirects to it (as the production ALB does).
    const listener = new lb.Listener(
      "https",
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 443,
        protocol: "HTTPS",
        certificateArn: loadBalancer.certificateArn,
        sslPolicy: loadBalancer.sslPolicy,
        defaultActions: [{ type: "forward", targetGroupArn: targetGroup.arn }],
      },
      parent,
    );
    const redirect = new lb.Listener(
      "http",
      {
        loadBalancerArn: this.loadBalancer.arn,
        port: 80,
        protocol: "HTTP",
        defaultActions: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", statusCode: "HTTP_301" } }],
      },
      parent,
    );

    this.service = new ecs.Service(
      "service",
      {
        name: service.name,
        cluster: this.cluster.arn,
        taskDefinition: taskDefinition.arn,
        desiredCount: service.desiredCount,
        launchType: "FARGATE",
        networkConfiguration: {
          subnets: service.subnetIds,
          securityGroups: service.securityGroupIds,
          assignPublicIp: service.assignPublicIp,
        },
        loadBalancers: [
          { targetGroupArn: targetGroup.arn, containerName: service.name, containerPort: service.containerPort },
        ],
        healthCheckGracePeriodSeconds: service.healthCheckGracePeriodSeconds,
        waitForSteadyState: true,
      },
      {
        parent: this,
        dependsOn: [listener, redirect],
        // The provider's default timeouts: automation/readiness.ts checks steady state and target
        // health itself, within the RTO budget left, on every run (a resumed update does not wait).
      },
    );
    this.registerOutputs({ serviceName: this.service.name });
  }
}
