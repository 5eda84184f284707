/**
 * A realistic report to render: a drill of the example plan that took 41 min
 * of a 4 h budget (RDS restore dominating), with resource spans as the engine
 * reports them, a verification command and a critical path.
 */
import type { Span } from "../../automation/clock.js";
import type { RunReport } from "../../automation/report/model.js";

const START = Date.parse("2026-11-28T03:20:00.000Z");
const INCIDENT = START - 6 * 60_000;

function span(
  name: string,
  kind: Span["kind"],
  offsetS: number,
  durationS: number,
  resourceType?: string,
  ok = true,
): Span {
  return {
    name,
    kind,
    resourceType,
    start: new Date(START + offsetS * 1000).toISOString(),
    end: new Date(START + (offsetS + durationS) * 1000).toISOString(),
    durationMs: durationS * 1000,
    ok,
    offsetMs: offsetS * 1000,
  };
}

/** Resource spans of a drill's update: [name, type, start s, duration s]. */
export const SAMPLE_RESOURCES: [string, string, number, number][] = [
  ["dr-provider", "pulumi:providers:aws", 42, 1],
  ["database-secret", "aws:secretsmanager/secret:Secret", 44, 2],
  ["task-execution-role", "aws:iam/role:Role", 44, 3],
  ["database", "aws:rds/instance:Instance", 45, 1410],
  ["load-balancer", "aws:lb/loadBalancer:LoadBalancer", 46, 185],
  ["target-group", "aws:lb/targetGroup:TargetGroup", 47, 4],
  ["listener", "aws:lb/listener:Listener", 232, 3],
  ["cluster", "aws:ecs/cluster:Cluster", 45, 6],
  ["database-secret-version", "aws:secretsmanager/secretVersion:SecretVersion", 1456, 2],
  ["task-definition", "aws:ecs/taskDefinition:TaskDefinition", 1459, 2],
  ["service", "aws:ecs/service:Service", 1462, 420],
  ["drill-record", "aws:route53/record:Record", 236, 48],
];

export function sampleReport(overrides: Partial<RunReport> = {}): RunReport {
  const resources = SAMPLE_RESOURCES.map(([name, type, offset, duration]) =>
    span(name, "resource", offset, duration, type),
  );
  const phases = [
    span("preflight", "phase", 0, 38),
    span("provision", "phase", 40, 1845),
    span("database", "phase", 44, 1414),
    span("service", "phase", 44, 1838),
    span("dns", "phase", 236, 48),
    span("verification", "phase", 1886, 95),
    span("teardown", "phase", 1990, 640),
  ];
  return {
    schemaVersion: 1,
    runId: "20261128t032000-drill-3f1a",
    journey: "drill",
    app: "peoplebooster",
    sourceRegion: "ap-northeast-1",
    targetRegion: "ap-northeast-3",
    stackName: "peoplebooster-drill-ap-northeast-3-3f1a",
    emulator: false,
    result: "succeeded",
    incidentStart: new Date(INCIDENT).toISOString(),
    startedAt: new Date(START).toISOString(),
    finishedAt: new Date(START + 2630_000).toISOString(),
    objectives: { rtoMs: 4 * 3_600_000, rpoMs: 3_600_000 },
    rto: {
      achievedMs: 6 * 60_000 + 1981_000,
      percentOfBudget: ((6 * 60_000 + 1981_000) / (4 * 3_600_000)) * 100,
      met: true,
    },
    rpo: {
      restorePoint: new Date(INCIDENT - 38 * 60_000).toISOString(),
      snapshotIdentifier: "peoplebooster-production-20261128-0242",
      dataLossWindowMs: 38 * 60_000,
      met: true,
    },
    endpoints: {
      serviceName: "peoplebooster-backend-drill-3f1a",
      loadBalancer: "peoplebooster-d3f1a-123.ap-northeast-3.elb.amazonaws.com",
      database: "peoplebooster-production-drill-3f1a.abc.ap-northeast-3.rds.amazonaws.com",
    },
    dns: {
      record: "drill-api.peoplebooster.example.com",
      current: "peoplebooster-d3f1a-123.ap-northeast-3.elb.amazonaws.com",
    },
    verification: [
      {
        name: "health",
        ok: true,
        detail: "GET http://drill-api.peoplebooster.example.com/health → 200 after 3 attempts",
        durationMs: 4100,
      },
      { name: "ecs-service", ok: true, detail: "2/2 tasks running, 1 deployment", durationMs: 300 },
      { name: "record-count", ok: true, detail: "users: 18 204 rows (expected ≥ 18 000)", durationMs: 2200 },
    ],
    teardown: { performed: true, ok: true, detail: "drill stack destroyed and removed" },
    warnings: [{ code: "RPO_CLOSE", message: "data-loss window 0:38:00 is 63 % of the RPO" }],
    spans: [...phases, ...resources, span("database", "resource", 2000, 600, "aws:rds/instance:Instance")],
    versions: { tool: "0.1.0", node: "v20.20.2" },
    planFile: "examples/peoplebooster.yaml",
    criticalPath: ["database", "database-secret-version", "task-definition", "service"],
    ...overrides,
  };
}
