/**
 * The production DNS switch, done outside the stack on purpose: a stack-owned
 * record would be DELETED when the stack is destroyed. Every record set of the
 * production name that routes traffic (A, AAAA — alias or not — and CNAME) is
 * switched in one atomic change batch, each to the same type pointing at the DR
 * load balancer; destroy puts each back. A change counts as done only when
 * Route53 says INSYNC.
 */
import type {
  Change,
  ChangeResourceRecordSetsCommandOutput,
  ListHostedZonesByNameCommandOutput,
  ListResourceRecordSetsCommandOutput,
  ResourceRecordSet,
  Route53Client,
} from "@aws-sdk/client-route-53";
import { sleep, wrapAwsError } from "./aws.js";
import { AwsError, PreconditionError } from "./errors.js";
import { Route53 } from "./sdk.js";

/** A record's value as we record and restore it. */
export interface DnsRecordValue {
  name: string;
  type: string;
  ttl?: number;
  records?: string[];
  alias?: { dnsName: string; hostedZoneId: string; evaluateTargetHealth: boolean };
}

/** The record types that send clients somewhere: the ones a failover switches. TXT, MX … are never touched. */
export const ROUTING_TYPES: readonly string[] = ["A", "AAAA", "CNAME"];

/** A routing record set with a routing policy (it has a SetIdentifier): the switch cannot replace it safely. */
export interface PolicyRecordSet {
  name: string;
  type: string;
  setIdentifier: string;
  policy: string;
}

/** The record sets of one name, as the switch sees them. */
export interface NameRecords {
  /** Simple (no routing policy) A/AAAA/CNAME sets: what the switch replaces. */
  routing: DnsRecordValue[];
  /** A/AAAA/CNAME sets with a routing policy: a failover refuses the name while there is one. */
  withPolicy: PolicyRecordSet[];
}

const withoutDot = (name: string) => name.replace(/\.$/, "").toLowerCase();

export async function findHostedZone(route53: Route53Client, zoneName: string): Promise<string> {
  let zones: ListHostedZonesByNameCommandOutput;
  try {
    zones = await route53.send(new Route53.ListHostedZonesByNameCommand({ DNSName: zoneName, MaxItems: 10 }));
  } catch (error) {
    throw wrapAwsError("ListHostedZonesByName", error);
  }
  const matches = (zones.HostedZones ?? []).filter((zone) => withoutDot(zone.Name ?? "") === withoutDot(zoneName));
  const publicZone = matches.find((zone) => !zone.Config?.PrivateZone) ?? matches[0];
  if (!publicZone?.Id) {
    throw new PreconditionError("HOSTED_ZONE_NOT_FOUND", `hosted zone ${zoneName} not found in Route53`, {
      hint: "Check dns.hostedZone in the plan and that the credentials can list hosted zones.",
    });
  }
  return publicZone.Id.replace(/^\/hostedzone\//, "");
}

function toValue(set: ResourceRecordSet): DnsRecordValue {
  return {
    name: withoutDot(set.Name ?? ""),
    type: set.Type ?? "CNAME",
    ttl: set.TTL,
    records: set.ResourceRecords?.map((record) => record.Value ?? ""),
    alias: set.AliasTarget
      ? {
          dnsName: withoutDot(set.AliasTarget.DNSName ?? ""),
          hostedZoneId: set.AliasTarget.HostedZoneId ?? "",
          evaluateTargetHealth: set.AliasTarget.EvaluateTargetHealth ?? false,
        }
      : undefined,
  };
}

/** The routing policy of a record set, named as in the Route53 console ("weighted", "latency" …); undefined when simple. */
export function routingPolicyOf(set: ResourceRecordSet): string | undefined {
  if (set.Weight !== undefined) return "weighted";
  if (set.Region) return "latency";
  if (set.Failover) return "failover";
  if (set.GeoLocation) return "geolocation";
  if (set.GeoProximityLocation) return "geoproximity";
  if (set.MultiValueAnswer !== undefined) return "multivalue answer";
  if (set.CidrRoutingConfig) return "IP-based";
  return set.SetIdentifier ? "unknown" : undefined;
}

/** Splits the record sets of `name` (a listing may hold neighbours) into what the switch replaces and what it refuses. */
export function recordsOfName(sets: readonly ResourceRecordSet[], name: string): NameRecords {
  const records: NameRecords = { routing: [], withPolicy: [] };
  for (const set of sets) {
    if (withoutDot(set.Name ?? "") !== withoutDot(name) || !ROUTING_TYPES.includes(set.Type ?? "")) continue;
    const policy = routingPolicyOf(set);
    if (policy)
      records.withPolicy.push({
        name: withoutDot(name),
        type: set.Type!,
        setIdentifier: set.SetIdentifier ?? "",
        policy,
      });
    else records.routing.push(toValue(set));
  }
  return records;
}

/** Every record set of exactly this name (all types, every page). */
async function listRecordSetsOf(route53: Route53Client, zoneId: string, name: string): Promise<ResourceRecordSet[]> {
  const sets: ResourceRecordSet[] = [];
  let start: { name?: string; type?: string; identifier?: string } = { name };
  for (;;) {
    let page: ListResourceRecordSetsCommandOutput;
    try {
      page = await route53.send(
        new Route53.ListResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          StartRecordName: start.name,
          StartRecordType: start.type as ResourceRecordSet["Type"],
          StartRecordIdentifier: start.identifier,
          MaxItems: 100,
        }),
      );
    } catch (error) {
      throw wrapAwsError("ListResourceRecordSets", error);
    }
    sets.push(...(page.ResourceRecordSets ?? []));
    // The listing is sorted by name: once it has passed the name, the rest belongs to other names.
    if (!page.IsTruncated || withoutDot(page.NextRecordName ?? "") !== withoutDot(name)) return sets;
    start = { name: page.NextRecordName, type: page.NextRecordType, identifier: page.NextRecordIdentifier };
  }
}

/** The A/AAAA/CNAME record sets of this name: the simple ones and those with a routing policy. */
export async function readNameRecords(route53: Route53Client, zoneId: string, name: string): Promise<NameRecords> {
  return recordsOfName(await listRecordSetsOf(route53, zoneId, name), name);
}

/** The first simple A/AAAA/CNAME record with this name, if any. */
export async function readRecord(
  route53: Route53Client,
  zoneId: string,
  name: string,
): Promise<DnsRecordValue | undefined> {
  return (await readNameRecords(route53, zoneId, name)).routing[0];
}

/** Where a record points (its alias target or its first value), for comparisons. */
export function recordTarget(value: DnsRecordValue | undefined): string | undefined {
  if (!value) return undefined;
  return withoutDot(value.alias?.dnsName ?? value.records?.[0] ?? "") || undefined;
}

/** Where a name's records point, each target once ("a, b"), for the report. */
export function targetsOf(values: readonly DnsRecordValue[]): string | undefined {
  return [...new Set(values.map(recordTarget).filter(Boolean))].join(", ") || undefined;
}

/** The longest TTL of these records (an alias has none): how long clients may keep the old answer. */
export function maxTtl(values: readonly DnsRecordValue[]): number | undefined {
  const ttls = values.map((value) => value.ttl).filter((ttl): ttl is number => ttl !== undefined);
  return ttls.length > 0 ? Math.max(...ttls) : undefined;
}

function toRecordSet(value: DnsRecordValue): ResourceRecordSet {
  return value.alias
    ? {
        Name: value.name,
        Type: value.type as ResourceRecordSet["Type"],
        AliasTarget: {
          DNSName: value.alias.dnsName,
          HostedZoneId: value.alias.hostedZoneId,
          EvaluateTargetHealth: value.alias.evaluateTargetHealth,
        },
      }
    : {
        Name: value.name,
        Type: value.type as ResourceRecordSet["Type"],
        TTL: value.ttl,
        ResourceRecords: (value.records ?? []).map((record) => ({ Value: record })),
      };
}

/**
 * What a production record becomes: the same type pointing at the DR load
 * balancer. A and AAAA (alias or not) become aliases of its DNS name — a
 * dual-stack load balancer's name answers both A and AAAA (the stack makes it
 * dual-stack when the production name has an AAAA); a CNAME stays a CNAME.
 */
export function drValueFor(
  previous: DnsRecordValue,
  loadBalancer: { dnsName: string; zoneId: string },
  ttl: number,
): DnsRecordValue {
  if (previous.type === "A" || previous.type === "AAAA") {
    return {
      name: previous.name,
      type: previous.type,
      alias: { dnsName: loadBalancer.dnsName, hostedZoneId: loadBalancer.zoneId, evaluateTargetHealth: true },
    };
  }
  return { name: previous.name, type: "CNAME", ttl, records: [loadBalancer.dnsName] };
}

/** One change of a batch. */
export interface RecordChange {
  action: "UPSERT" | "DELETE";
  value: DnsRecordValue;
}

const sameValue = (a: DnsRecordValue, b: DnsRecordValue) =>
  JSON.stringify(toRecordSet({ ...a, name: withoutDot(a.name) })) ===
  JSON.stringify(toRecordSet({ ...b, name: withoutDot(b.name) }));

/** The UPSERTs that make `live` hold `desired` (per type; a set already equal is left out). */
export function switchChanges(live: readonly DnsRecordValue[], desired: readonly DnsRecordValue[]): RecordChange[] {
  return desired
    .filter((value) => {
      const current = live.find((candidate) => candidate.type === value.type);
      return !current || !sameValue(current, value);
    })
    .map((value) => ({ action: "UPSERT", value }));
}

/**
 * The changes that put back what a failover switched: each live set that
 * `pointsHere` gets its previous value of the same type, or is DELETEd when
 * its type did not exist before; a previous type that is gone now is
 * re-created (a stack switched by a version that turned AAAA into A). A live
 * set that points elsewhere was changed by someone else since: left alone.
 * DELETEs come first: a CNAME cannot coexist with an A of the same name.
 */
export function restoreChanges(
  live: readonly DnsRecordValue[],
  previous: readonly DnsRecordValue[],
  pointsHere: (value: DnsRecordValue) => boolean,
): RecordChange[] {
  const deletes: RecordChange[] = [];
  const upserts: RecordChange[] = [];
  for (const current of live.filter(pointsHere)) {
    const before = previous.find((value) => value.type === current.type);
    if (before) upserts.push({ action: "UPSERT", value: before });
    else deletes.push({ action: "DELETE", value: current });
  }
  for (const before of previous) {
    if (!live.some((value) => value.type === before.type)) upserts.push({ action: "UPSERT", value: before });
  }
  return [...deletes, ...upserts];
}

/**
 * The recorded previous values of a stack's production name (JSON): a list, or
 * the single record the versions before the multi-type switch recorded.
 */
export function parsePreviousRecords(json: string): DnsRecordValue[] {
  const parsed = JSON.parse(json) as DnsRecordValue | DnsRecordValue[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** First poll interval (default 2 s); doubles up to 5 s: Route53 usually syncs within a minute, so a 10 s cap could add up to 10 s to the RTO. */
  initialIntervalMs?: number;
}

/** Sends the changes as ONE atomic batch and waits for INSYNC. Returns the change id. */
export async function changeRecords(
  route53: Route53Client,
  zoneId: string,
  changes: readonly RecordChange[],
  comment: string,
  wait: WaitOptions,
): Promise<string> {
  const name = [...new Set(changes.map((change) => change.value.name))].join(", ");
  let change: ChangeResourceRecordSetsCommandOutput;
  try {
    change = await route53.send(
      new Route53.ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Comment: comment,
          Changes: changes.map((item): Change => ({ Action: item.action, ResourceRecordSet: toRecordSet(item.value) })),
        },
      }),
    );
  } catch (error) {
    throw wrapAwsError(`ChangeResourceRecordSets for ${name}`, error);
  }
  const changeId = change.ChangeInfo?.Id ?? "";
  await waitInSync(route53, changeId, name, wait);
  return changeId;
}

export async function waitInSync(
  route53: Route53Client,
  changeId: string,
  name: string,
  wait: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + wait.timeoutMs;
  let interval = wait.initialIntervalMs ?? 2_000;
  for (;;) {
    const status = await route53.send(new Route53.GetChangeCommand({ Id: changeId })).catch((error) => {
      throw wrapAwsError(`GetChange ${changeId}`, error);
    });
    if (status.ChangeInfo?.Status === "INSYNC") return;
    if (Date.now() >= deadline || wait.signal?.aborted) {
      throw new AwsError(
        "DNS_NOT_INSYNC",
        `the change of ${name} (${changeId}) is not INSYNC after ${Math.round(wait.timeoutMs / 1000)} s`,
        {
          hint: "Route53 is slow or impaired; re-run the command: the switch is idempotent.",
        },
      );
    }
    await sleep(Math.min(interval, Math.max(0, deadline - Date.now())), wait.signal);
    interval = Math.min(interval * 2, 5_000);
  }
}
