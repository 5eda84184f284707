/**
 * The critical path of a stack update: the chain of dependent resource
 * operations whose durations add up to the longest total. Everything off that
 * chain ran in its shadow; shortening anything else does not shorten the RTO.
 * Pure functions: the graph comes from the stack's exported state, the weights
 * from measured spans (a real run) or from a timing model (a prediction).
 */
import type { Span } from "./clock.js";
import { parseUrn } from "./vocabulary.js";

/** One node of a dependency graph: the ids it waits for and its own weight (ms or s). */
export interface GraphNode {
  dependencies: readonly string[];
  weight: number;
}

export interface LongestPath {
  /** Node ids from the first operation to the last. */
  path: string[];
  /** Sum of the weights along the path. */
  total: number;
}

/**
 * Longest weighted path through a DAG (dependencies of unknown ids are
 * ignored; a cycle, which Pulumi never produces, is cut where it is found).
 * Ties go to the id that sorts first, so the answer is stable.
 */
export function longestPath(graph: ReadonlyMap<string, GraphNode>): LongestPath {
  const best = new Map<string, LongestPath>();
  const visiting = new Set<string>();
  const visit = (id: string): LongestPath => {
    const known = best.get(id);
    if (known) return known;
    const node = graph.get(id)!;
    visiting.add(id);
    let before: LongestPath = { path: [], total: 0 };
    for (const dependency of [...new Set(node.dependencies)].sort()) {
      if (!graph.has(dependency) || visiting.has(dependency)) continue;
      const candidate = visit(dependency);
      if (candidate.total > before.total) before = candidate;
    }
    visiting.delete(id);
    const result = { path: [...before.path, id], total: before.total + node.weight };
    best.set(id, result);
    return result;
  };
  let longest: LongestPath = { path: [], total: 0 };
  for (const id of [...graph.keys()].sort()) {
    const candidate = visit(id);
    if (candidate.total > longest.total) longest = candidate;
  }
  return longest;
}

/** The part of an exported Pulumi state the critical path needs (`stack.exportStack().deployment.resources`). */
export interface StateResource {
  urn: string;
  type: string;
  custom?: boolean;
  parent?: string;
  dependencies?: string[];
}

/** Short resource name from a URN. */
export const urnName = (urn: string) => parseUrn(urn).name;

/**
 * The dependency graph of a deployment's custom resources (providers and
 * components weigh nothing and are left out; a dependency on a component
 * stands for its children, as the engine waits for them), each weighted by
 * `weightOf` (undefined = 0).
 */
export function dependencyGraph(
  resources: readonly StateResource[],
  weightOf: (resource: StateResource) => number | undefined,
): Map<string, GraphNode> {
  const childrenOf = new Map<string, string[]>();
  for (const resource of resources) {
    if (resource.parent) childrenOf.set(resource.parent, [...(childrenOf.get(resource.parent) ?? []), resource.urn]);
  }
  const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
  const isTimed = (resource: StateResource) =>
    resource.custom !== false && !resource.type.startsWith("pulumi:providers:");
  // A dependency on a component means "on everything inside it".
  const expand = (urn: string, seen = new Set<string>()): string[] => {
    if (seen.has(urn)) return [];
    seen.add(urn);
    const resource = byUrn.get(urn);
    if (!resource) return [];
    if (isTimed(resource)) return [urn];
    return (childrenOf.get(urn) ?? []).flatMap((child) => expand(child, seen));
  };
  const graph = new Map<string, GraphNode>();
  for (const resource of resources) {
    if (!isTimed(resource)) continue;
    graph.set(resource.urn, {
      dependencies: (resource.dependencies ?? []).flatMap((urn) => expand(urn)),
      weight: weightOf(resource) ?? 0,
    });
  }
  return graph;
}

/**
 * The measured critical path of one update: the longest dependency chain
 * weighted by the resource spans the clock recorded (matched by type and
 * name). Returns resource names, first to last; [] when nothing was timed.
 */
export function measuredCriticalPath(resources: readonly StateResource[], spans: readonly Span[]): string[] {
  const durations = new Map<string, number>();
  for (const span of spans) {
    if (span.kind !== "resource" || span.durationMs === undefined) continue;
    const key = `${span.resourceType}::${span.name}`;
    durations.set(key, Math.max(durations.get(key) ?? 0, span.durationMs));
  }
  if (durations.size === 0) return [];
  const graph = dependencyGraph(resources, (resource) => durations.get(`${resource.type}::${urnName(resource.urn)}`));
  const { path, total } = longestPath(graph);
  return total > 0 ? path.filter((urn) => (graph.get(urn)?.weight ?? 0) > 0).map(urnName) : [];
}
