import { describe, expect, it } from "vitest";
import type { Span } from "../../automation/clock.js";
import {
  dependencyGraph,
  longestPath,
  measuredCriticalPath,
  type GraphNode,
  type StateResource,
} from "../../automation/critical-path.js";

const graph = (nodes: Record<string, [number, string[]]>) =>
  new Map<string, GraphNode>(
    Object.entries(nodes).map(([id, [weight, dependencies]]) => [id, { weight, dependencies }]),
  );

describe("longestPath", () => {
  it("follows the heaviest chain, not the one with most nodes", () => {
    // db(1200) → secretVersion(3) → service(240) beats iam(3) → task(3) → listener(3) → service and lb(180) → record(60).
    const result = longestPath(
      graph({
        db: [1200, []],
        secret: [3, []],
        secretVersion: [3, ["secret", "db"]],
        role: [3, []],
        task: [3, ["role", "secret"]],
        lb: [180, []],
        tg: [3, []],
        listener: [3, ["lb", "tg"]],
        service: [240, ["task", "listener", "secretVersion"]],
        record: [60, ["lb"]],
      }),
    );
    expect(result).toEqual({ path: ["db", "secretVersion", "service"], total: 1443 });
  });

  it("switches to the load balancer chain when the restore gets faster", () => {
    const result = longestPath(
      graph({ db: [100, []], lb: [180, []], listener: [3, ["lb"]], service: [240, ["listener", "db"]] }),
    );
    expect(result).toEqual({ path: ["lb", "listener", "service"], total: 423 });
  });

  it("ignores unknown dependencies, survives a cycle and answers [] for an empty graph", () => {
    expect(longestPath(graph({ a: [1, ["missing"]], b: [2, ["a"]] }))).toEqual({ path: ["a", "b"], total: 3 });
    expect(longestPath(graph({ a: [1, ["b"]], b: [2, ["a"]] })).total).toBe(3);
    expect(longestPath(new Map())).toEqual({ path: [], total: 0 });
  });
});

describe("dependencyGraph / measuredCriticalPath", () => {
  const urn = (type: string, name: string, parent = "dr-failover:stack:AppService") =>
    `urn:pulumi:s::dr-failover::pulumi:pulumi:Stack$${parent}$${type}::${name}`;
  const db = urn("aws:rds/instance:Instance", "database", "dr-failover:stack:RestoredDatabase");
  const secretComponent = "urn:pulumi:s::dr-failover::pulumi:pulumi:Stack$dr-failover:stack:ConnectionSecret::secret";
  const version = urn(
    "aws:secretsmanager/secretVersion:SecretVersion",
    "connection-value",
    "dr-failover:stack:ConnectionSecret",
  );
  const lb = urn("aws:lb/loadBalancer:LoadBalancer", "load-balancer");
  const service = urn("aws:ecs/service:Service", "service");
  const provider = "urn:pulumi:s::dr-failover::pulumi:providers:aws::target";
  const resources: StateResource[] = [
    { urn: provider, type: "pulumi:providers:aws", custom: true },
    { urn: secretComponent, type: "dr-failover:stack:ConnectionSecret", custom: false },
    { urn: db, type: "aws:rds/instance:Instance", custom: true, dependencies: [] },
    {
      urn: version,
      type: "aws:secretsmanager/secretVersion:SecretVersion",
      custom: true,
      parent: secretComponent,
      dependencies: [db],
    },
    { urn: lb, type: "aws:lb/loadBalancer:LoadBalancer", custom: true },
    // dependsOn a component = on its children.
    { urn: service, type: "aws:ecs/service:Service", custom: true, dependencies: [secretComponent, lb] },
  ];
  const span = (name: string, resourceType: string, durationMs: number): Span => ({
    name,
    kind: "resource",
    resourceType,
    start: "",
    offsetMs: 0,
    durationMs,
  });

  it("leaves providers and components out and expands a dependency on a component to its children", () => {
    const built = dependencyGraph(resources, () => 1);
    expect([...built.keys()].sort()).toEqual([db, lb, service, version].sort());
    expect(built.get(service)!.dependencies).toEqual([version, lb]);
  });

  it("weights the graph with the measured spans and names the chain", () => {
    const spans = [
      span("database", "aws:rds/instance:Instance", 12_000),
      span("connection-value", "aws:secretsmanager/secretVersion:SecretVersion", 40),
      span("load-balancer", "aws:lb/loadBalancer:LoadBalancer", 1_800),
      span("service", "aws:ecs/service:Service", 2_400),
      // Phases are not resources.
      { ...span("preflight", "", 500), kind: "phase" as const },
    ];
    expect(measuredCriticalPath(resources, spans)).toEqual(["database", "connection-value", "service"]);
    expect(measuredCriticalPath(resources, [])).toEqual([]);
  });
});
