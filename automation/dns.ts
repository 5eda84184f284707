/**
 * The production DNS switch, done outside the stack on purpose: a stack-owned
 * record would be DELETED when the stack is destroyed. The record is only ever
 * UPSERTed (to the DR endpoint, later back to its recorded previous value),
 * never deleted, and a change counts as done only when Route53 says INSYNC.
 */
import type {
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

/** The simple (non-weighted) A/AAAA/CNAME record with this name, if any. */
export async function readRecord(
  route53: Route53Client,
  zoneId: string,
  name: string,
): Promise<DnsRecordValue | undefined> {
  let page: ListResourceRecordSetsCommandOutput;
  try {
    page = await route53.send(
      new Route53.ListResourceRecordSetsCommand({ HostedZoneId: zoneId, StartRecordName: name, MaxItems: 10 }),
    );
  } catch (error) {
    throw wrapAwsError("ListResourceRecordSets", error);
  }
  const set = (page.ResourceRecordSets ?? []).find(
    (candidate) =>
      withoutDot(candidate.Name ?? "") === withoutDot(name) &&
      ["A", "AAAA", "CNAME"].includes(candidate.Type ?? "") &&
      !candidate.SetIdentifier,
  );
  return set ? toValue(set) : undefined;
}

/** Where a record points (its alias target or its first value), for comparisons. */
export function recordTarget(value: DnsRecordValue | undefined): string | undefined {
  if (!value) return undefined;
  return withoutDot(value.alias?.dnsName ?? value.records?.[0] ?? "") || undefined;
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
 * What the production record becomes: the same kind of record (alias A stays
 * alias A, CNAME stays CNAME) pointing at the DR load balancer.
 */
export function drValueFor(
  previous: DnsRecordValue,
  loadBalancer: { dnsName: string; zoneId: string },
  ttl: number,
): DnsRecordValue {
  if (previous.alias || previous.type === "A") {
    return {
      name: previous.name,
      type: "A",
      alias: { dnsName: loadBalancer.dnsName, hostedZoneId: loadBalancer.zoneId, evaluateTargetHealth: true },
    };
  }
  return { name: previous.name, type: "CNAME", ttl, records: [loadBalancer.dnsName] };
}

export interface WaitOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  /** First poll interval (default 2 s); doubles up to 5 s: Route53 usually syncs within a minute, so a 10 s cap could add up to 10 s to the RTO. */
  initialIntervalMs?: number;
}

/** UPSERTs the record and waits for INSYNC. Returns the change id. */
export async function upsertRecord(
  route53: Route53Client,
  zoneId: string,
  value: DnsRecordValue,
  comment: string,
  wait: WaitOptions,
): Promise<string> {
  let change: ChangeResourceRecordSetsCommandOutput;
  try {
    const changes = [];
    // Switching between alias-A and CNAME needs the old one gone first: done in one atomic batch.
    const current = await readRecord(route53, zoneId, value.name);
    if (current && current.type !== value.type)
      changes.push({ Action: "DELETE" as const, ResourceRecordSet: toRecordSet(current) });
    changes.push({ Action: "UPSERT" as const, ResourceRecordSet: toRecordSet(value) });
    change = await route53.send(
      new Route53.ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: { Comment: comment, Changes: changes },
      }),
    );
  } catch (error) {
    throw wrapAwsError(`ChangeResourceRecordSets for ${value.name}`, error);
  }
  const changeId = change.ChangeInfo?.Id ?? "";
  await waitInSync(route53, changeId, value.name, wait);
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
