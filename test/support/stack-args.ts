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
      releasing: false,
    },
    storage: { replicaBucket: "peoplebooster-production-assets-apne3" },
    secret: { name: "peoplebooster/production/database/dr-failover-ab12" },
    service: {
      cluster: "peoplebooster-production",
      name: "peoplebooster-backend",
      image: "123456789012.dkr.ecr.ap-northeast-3.amazonaws.com/peoplebooster-backend:latest",
      cpu: 512,
      memory: 1024,
      desiredCount: 2,
      containerPort: 8080,
      healthCheckPath: "/health",
      environment: {},
      subnetIds: ["subnet-a", "subnet-c"],
      securityGroupIds: ["sg-app"],
      assignPublicIp: false,
    },
    loadBalancer: {
      name: "peoplebooster-dr",
      targetGroupName: "peoplebooster-dr-tg",
      vpcId: "vpc-1",
      subnetIds: ["subnet-pa", "subnet-pc"],
      securityGroupIds: ["sg-alb"],
      internal: false,
    },
    dns: { zoneId: "Z123", ownedRecord: drill ? { name: "drill-api.peoplebooster.example.com", ttl: 60 } : undefined },
    ...overrides,
  };
}
