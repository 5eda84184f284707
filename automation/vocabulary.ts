/**
 * The tool's words, each defined once: the phases of a run, the concerns a
 * stack update is shown as, which resource type belongs to which concern, the
 * resource types the driver looks for, URN parsing, and stack names.
 */
import { resolve } from "node:path";
import type { DrMode } from "../stacks/args.js";
import { CONNECTION_NAME_RESOURCES } from "../stacks/config.js";

/** The journeys a run (and its report) can be. */
export const JOURNEYS = ["drill", "failover", "destroy", "failback"] as const;
export type Journey = (typeof JOURNEYS)[number];

/** The steps a journey runs through `Run.phase`. */
export const JOURNEY_PHASES = [
  "preflight",
  "provision",
  "readiness",
  "dns",
  "verification",
  "teardown",
  "release-protection",
  // failback (journeys/failback.ts), in order after preflight: writes stop in DR, the data travels home, production follows.
  "write-freeze",
  "final-snapshot",
  "copy-snapshot",
  "restore",
  "data-check",
  "production-secret",
  "production-service",
  // failback by replica: the replica made ahead of the freeze, caught up, promoted, and handed over afterwards.
  "prepare-replica",
  "catch-up",
  "promote",
  "hand-over",
] as const;
export type JourneyPhase = (typeof JOURNEY_PHASES)[number];

/**
 * How a failback brings the DR database home: `replica` (a cross-region read replica made ahead of
 * the cutover, promoted at it: the default) or `snapshot` (final snapshot → copy → restore).
 */
export const FAILBACK_METHODS = ["replica", "snapshot"] as const;
export type FailbackMethod = (typeof FAILBACK_METHODS)[number];

/**
 * A failback's phases after preflight, in order, by method: the live view's
 * downtime projection, the kill matrix (test/resilience/crash-failback.test.ts)
 * and the bench read this one list. The downtime spans the write freeze to the
 * end of the last phase (see FAILBACK_DOWNTIME_STARTS).
 */
export const FAILBACK_PHASES = {
  // The replica is prepared before the freeze (no downtime); its hand-over follows verification, after the downtime.
  replica: [
    "prepare-replica",
    "write-freeze",
    "catch-up",
    "promote",
    "data-check",
    "production-secret",
    "production-service",
    "dns",
    "verification",
  ],
  snapshot: [
    "write-freeze",
    "final-snapshot",
    "copy-snapshot",
    "restore",
    "data-check",
    "production-secret",
    "production-service",
    "dns",
    "verification",
  ],
} as const satisfies Record<FailbackMethod, readonly JourneyPhase[]>;

/** The phase a failback's downtime starts with (a method may prepare before it, with production still up). */
export const FAILBACK_DOWNTIME_STARTS: JourneyPhase = "write-freeze";

/** The phases of a failback's downtime by this method, in order. */
export function failbackDowntimePhases(method: FailbackMethod): readonly JourneyPhase[] {
  const phases: readonly JourneyPhase[] = FAILBACK_PHASES[method];
  return phases.slice(Math.max(0, phases.indexOf(FAILBACK_DOWNTIME_STARTS)));
}

/** What the provision step is shown as: one derived phase per concern of the stack (stacks/ has a component each). */
export const CONCERNS = ["database", "service", "dns"] as const;
export type Concern = (typeof CONCERNS)[number];

/** Every name a phase event or a phase span can carry. */
export type PhaseName = JourneyPhase | Concern;

/** Phases shown to an operator, in order: provision is shown as its concerns. */
export const DISPLAY_PHASES = [
  "preflight",
  "database",
  "service",
  "dns",
  "verification",
  "teardown",
] as const satisfies readonly PhaseName[];

/** Phases an expected duration can be given for (objectives.expectedPhaseDurations): the displayed ones and a failback's. */
export const EXPECTABLE_PHASES = [
  ...new Set<PhaseName>([...DISPLAY_PHASES, ...Object.values(FAILBACK_PHASES).flat()]),
] as [PhaseName, ...PhaseName[]];

/** Phases that spend the RTO budget (teardown and reporting happen after recovery). */
export const RTO_PHASES: ReadonlySet<string> = new Set<PhaseName>([
  "preflight",
  "database",
  "service",
  "readiness",
  "dns",
  "verification",
]);

/** AWS service (the module of a resource type, `aws:<service>/…`) → the concern its resources belong to. */
const CONCERN_OF_SERVICE: Record<string, Concern> = {
  rds: "database",
  secretsmanager: "database",
  // The cache's data is restored beside the database's.
  elasticache: "database",
  ecs: "service",
  lb: "service",
  iam: "service",
  route53: "dns",
};

/** The database's connection name (its private zone and CNAME): the database's, though Route53's. */
const DATABASE_CONNECTION_NAMES: ReadonlySet<string> = new Set(Object.values(CONNECTION_NAME_RESOURCES));

/**
 * Which concern a resource of the stack belongs to (undefined: providers, components, the stack);
 * `name`, the resource's name, tells the database's connection name from production DNS.
 */
export function concernOf(resourceType: string, name?: string): Concern | undefined {
  const service = /^aws:([a-z0-9]+)\//.exec(resourceType)?.[1];
  if (service === "route53" && name !== undefined && DATABASE_CONNECTION_NAMES.has(name)) return "database";
  return service === undefined ? undefined : CONCERN_OF_SERVICE[service];
}

/** Resource types the driver looks for in a stack's state or events. */
export const RESOURCE_TYPES = {
  rdsInstance: "aws:rds/instance:Instance",
  cacheReplicationGroup: "aws:elasticache/replicationGroup:ReplicationGroup",
  ecsCluster: "aws:ecs/cluster:Cluster",
  ecsTaskDefinition: "aws:ecs/taskDefinition:TaskDefinition",
  ecsService: "aws:ecs/service:Service",
  loadBalancer: "aws:lb/loadBalancer:LoadBalancer",
  targetGroup: "aws:lb/targetGroup:TargetGroup",
  iamRole: "aws:iam/role:Role",
} as const;

/** The type (the last of a parent chain, `a$b` → `b`) and the name of a resource from its URN (`urn:pulumi:stack::project::type::name`). */
export function parseUrn(urn: string): { type: string; name: string } {
  const parts = urn.split("::");
  const qualifiedType = parts[2] ?? "";
  return { type: qualifiedType.split("$").pop() ?? qualifiedType, name: parts[3] ?? urn };
}

/** A DR stack's name: `<app>-failover-<region>` (one per target) or `<app>-drill-<region>-<drillId>`. */
export function stackNameFor(app: string, mode: DrMode, targetRegion: string, drillId: string): string {
  return mode === "drill" ? `${app}-drill-${targetRegion}-${drillId}` : `${app}-failover-${targetRegion}`;
}

/** A failback stack's name (`--method replica`): `<app>-failback-<source region>`, one per app. */
export function failbackStackNameFor(app: string, sourceRegion: string): string {
  return `${app}-failback-${sourceRegion}`;
}

/** What a stack name says (the inverse of stackNameFor); undefined for a stack this tool did not name. */
export function parseStackName(
  app: string | undefined,
  stackName: string,
): { mode: DrMode; targetRegion: string } | undefined {
  const prefix = app === undefined ? "[^]+?" : escapeRegExp(app);
  const match = new RegExp(`^${prefix}-(drill|failover)-([a-z]{2}(?:-[a-z]+)+-\\d+)(?:-|$)`).exec(stackName);
  return match ? { mode: match[1] as DrMode, targetRegion: match[2]! } : undefined;
}

/** Whether a stack is one of this app's DR stacks in the target region. */
export function isDrStackOf(app: string, targetRegion: string, stackName: string): boolean {
  return (
    stackName === stackNameFor(app, "failover", targetRegion, "") ||
    stackName.startsWith(`${app}-drill-${targetRegion}-`)
  );
}

/** The state backend: the given URL, else a file backend in the state directory (works with no account). */
export function backendUrlOf(options: { stateDir: string; backendUrl?: string }): string {
  return options.backendUrl ?? `file://${resolve(options.stateDir, "backend")}`;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
