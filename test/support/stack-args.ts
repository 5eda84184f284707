import type { DrMode, DrStackArgs } from "../../stacks/args.js";

/** Resolved stack arguments as automation/ would build them for the example plan. */
export function exampleStackArgs(mode: DrMode, overrides: Partial<DrStackArgs> = {}): DrStackArgs {
  const drill = mode === "drill";
  return {
    mode,
    app: "peoplebooster",
    targetRegion: "ap-northeast-3",
    drillId: drill ? "ab12" : undefined,
    tags: { "dr-failover:app": "peoplebooster" },
    database: {
      identifier: drill ? "peoplebooster-production-drill-ab12" : "peoplebooster-production-dr",
      snapshotIdentifier: "peoplebooster-production-20261128-030000",
      instanceClass: "db.t3.medium",
      engine: "postgres",
      port: 5432,
      databaseName: "peoplebooster",
      multiAz: true,
      subnetGroupName: "peoplebooster-production-db",
      securityGroupIds: ["sg-db"],
      storageEncrypted: false,
      resetPassword: true,
      backupRetentionPeriod: drill ? 1 : 7,
      backupWindow: drill ? undefined : "18:00-19:00",
      releasing: false,
    },
    storage: { replicaBucket: "peoplebooster-production-assets-apne3" },
    secret: { name: "peoplebooster/production/database/dr-failover-ab12", username: "app_admin" },
    service: {
      cluster: "peoplebooster-production",
      name: "peoplebooster-backend",
      executionRoleName: drill
        ? "peoplebooster-backend-exec-drill-ab12"
        : "peoplebooster-backend-exec-dr-ap-northeast-3",
      taskRoleName: drill ? "peoplebooster-backend-task-drill-ab12" : "peoplebooster-backend-task-dr-ap-northeast-3",
      taskFamily: drill ? "peoplebooster-backend-drill-ab12" : "peoplebooster-backend-dr-ap-northeast-3",
      image: "123456789012.dkr.ecr.ap-northeast-3.amazonaws.com/peoplebooster-backend:latest",
      cpu: 512,
      memory: 1024,
      desiredCount: 2,
      containerPort: 8080,
      healthCheckPath: "/health",
      healthCheckIntervalSeconds: 10,
      healthyThreshold: 3,
      environment: {},
      subnetIds: ["subnet-a", "subnet-c"],
      securityGroupIds: ["sg-app"],
      assignPublicIp: false,
      healthCheckGracePeriodSeconds: 7200,
    },
    connection: {
      zoneName: drill ? "drill-ab12.peoplebooster.dr.internal" : "peoplebooster.dr.internal",
      recordName: "db",
      vpcId: "vpc-1",
    },
    loadBalancer: {
      name: "peoplebooster-dr",
      targetGroupName: "peoplebooster-dr-tg",
      vpcId: "vpc-1",
      subnetIds: ["subnet-pa", "subnet-pc"],
      securityGroupIds: ["sg-alb"],
      internal: false,
      certificateArn: "arn:aws:acm:ap-northeast-3:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666",
      sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
    },
    dns: { zoneId: "Z123", ownedRecord: drill ? { name: "drill-api.peoplebooster.example.com", ttl: 60 } : undefined },
    ...overrides,
  };
}
