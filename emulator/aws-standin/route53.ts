/** `aws:route53/record:Record` and the `aws:route53/getZone:getZone` data source. */
import type { ChangeAction, HostedZone, ResourceRecordSet, RRType } from "@aws-sdk/client-route-53";
import type { Clients } from "./config.js";
import type { InvokeHandler, ResourceHandler } from "./types.js";
import { awsErrorName, compact, waitFor, type Props } from "./wire.js";
import { Route53 } from "../../automation/sdk.js";

const TIMEOUT_MS = Number(process.env.DR_STANDIN_ROUTE53_TIMEOUT_MS ?? 30 * 60_000);

export function cleanZoneId(id: string): string {
  return id.replace(/^\/?hostedzone\//, "");
}

function cleanName(name: string): string {
  return name.replace(/\.$/, "").toLowerCase();
}

const zoneNames = new Map<string, string>();

async function zoneName(clients: Clients, zoneId: string): Promise<string> {
  const cached = zoneNames.get(zoneId);
  if (cached) return cached;
  const out = await clients.route53().send(new Route53.GetHostedZoneCommand({ Id: zoneId }));
  const name = cleanName(out.HostedZone!.Name!);
  zoneNames.set(zoneId, name);
  return name;
}

/** Like the real provider: a name not ending in the zone name gets the zone name appended. */
async function fqdnOf(clients: Clients, zoneId: string, name: string): Promise<string> {
  const zone = await zoneName(clients, zoneId);
  const clean = cleanName(name);
  if (clean === zone || clean.endsWith(`.${zone}`)) return clean;
  return clean === "" ? zone : `${clean}.${zone}`;
}

const RR_TYPES = new Set([
  "A",
  "AAAA",
  "CAA",
  "CNAME",
  "DS",
  "HTTPS",
  "MX",
  "NAPTR",
  "NS",
  "PTR",
  "SOA",
  "SPF",
  "SRV",
  "SSHFP",
  "SVCB",
  "TLSA",
  "TXT",
]);

/** Parses `ZONEID_name_TYPE[_setIdentifier]` (names may contain underscores). */
export function parseRecordId(id: string): Props | undefined {
  const parts = id.split("_");
  for (let index = parts.length - 1; index >= 2; index -= 1) {
    if (RR_TYPES.has(parts[index]!)) {
      return compact({
        zoneId: parts[0],
        name: parts.slice(1, index).join("_"),
        type: parts[index],
        setIdentifier: parts.slice(index + 1).join("_") || undefined,
      });
    }
  }
  return undefined;
}

export function recordId(props: Props): string {
  const parts = [props.zoneId, String(props.name).toLowerCase(), props.type];
  if (props.setIdentifier) parts.push(props.setIdentifier);
  return parts.join("_");
}

function quoteTxt(type: string, value: string): string {
  if ((type === "TXT" || type === "SPF") && !value.startsWith('"')) return `"${value}"`;
  return value;
}

function recordSet(props: Props, fqdn: string): ResourceRecordSet {
  const alias = (props.aliases as Props[] | undefined)?.[0];
  const failover = (props.failoverRoutingPolicies as Props[] | undefined)?.[0];
  const weighted = (props.weightedRoutingPolicies as Props[] | undefined)?.[0];
  return compact({
    Name: fqdn,
    Type: props.type as RRType,
    SetIdentifier: props.setIdentifier || undefined,
    TTL: alias ? undefined : props.ttl,
    ResourceRecords: alias
      ? undefined
      : ((props.records as string[] | undefined) ?? []).map((value) => ({ Value: quoteTxt(props.type, value) })),
    AliasTarget: alias
      ? { DNSName: alias.name, HostedZoneId: alias.zoneId, EvaluateTargetHealth: alias.evaluateTargetHealth === true }
      : undefined,
    Failover: failover?.type,
    Weight: weighted?.weight,
    HealthCheckId: props.healthCheckId || undefined,
  }) as ResourceRecordSet;
}

/** Submits one change and waits for INSYNC; `submitted` runs once Route 53 has accepted it. */
async function change(
  clients: Clients,
  zoneId: string,
  action: ChangeAction,
  set: ResourceRecordSet,
  submitted?: () => void,
): Promise<void> {
  await changeBatch(clients, zoneId, [{ action, set }], submitted);
}

/** Submits the changes as one atomic batch and waits for INSYNC. */
async function changeBatch(
  clients: Clients,
  zoneId: string,
  changes: { action: ChangeAction; set: ResourceRecordSet }[],
  submitted?: () => void,
): Promise<void> {
  const out = await clients.route53().send(
    new Route53.ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: changes.map(({ action, set }) => ({ Action: action, ResourceRecordSet: set })) },
    }),
  );
  submitted?.();
  const changeId = out.ChangeInfo!.Id!;
  await waitFor(
    `Route 53 change ${changeId} to be INSYNC`,
    async () => {
      const status = await clients.route53().send(new Route53.GetChangeCommand({ Id: changeId }));
      return status.ChangeInfo?.Status === "INSYNC" ? true : undefined;
    },
    { timeoutMs: TIMEOUT_MS },
  );
}

async function findRecord(clients: Clients, zoneId: string, fqdn: string, type: string, setIdentifier?: string) {
  const out = await clients.route53().send(
    new Route53.ListResourceRecordSetsCommand(
      compact({
        HostedZoneId: zoneId,
        StartRecordName: fqdn,
        StartRecordType: type as RRType,
        StartRecordIdentifier: setIdentifier || undefined,
        MaxItems: 100,
      }),
    ),
  );
  return (out.ResourceRecordSets ?? []).find(
    (set) =>
      cleanName(set.Name ?? "") === fqdn && set.Type === type && (set.SetIdentifier ?? "") === (setIdentifier ?? ""),
  );
}

export const route53Record: ResourceHandler = {
  token: "aws:route53/record:Record",
  props: {
    zoneId: { replace: true },
    name: { replace: true },
    // Not ForceNew upstream: update deletes the old record set and creates the new one in one batch.
    type: {},
    setIdentifier: {},
    ttl: {},
    records: { set: true },
    aliases: {},
    allowOverwrite: {},
    healthCheckId: {},
    failoverRoutingPolicies: {},
    weightedRoutingPolicies: {},
  },
  required: ["zoneId", "name", "type"],
  async create(ctx, inputs) {
    const fqdn = await fqdnOf(ctx.clients, inputs.zoneId, inputs.name);
    const overwrite = inputs.allowOverwrite === true;
    if (!overwrite && (await findRecord(ctx.clients, inputs.zoneId, fqdn, inputs.type, inputs.setIdentifier))) {
      // AWS rejects a CREATE over an existing record set; moto silently replaces it.
      throw new Error(
        `creating Route 53 Record (${recordId(inputs)}): InvalidChangeBatch: [Tried to create resource record set ` +
          `[name='${fqdn}.', type='${inputs.type}'${inputs.setIdentifier ? `, set-identifier='${inputs.setIdentifier}'` : ""}] but it already exists]`,
      );
    }
    await change(ctx.clients, inputs.zoneId, overwrite ? "UPSERT" : "CREATE", recordSet(inputs, fqdn), () =>
      ctx.created(recordId(inputs), { fqdn }),
    );
    return { id: recordId(inputs), outs: { fqdn } };
  },
  async read(ctx, id, stored) {
    const state = stored.zoneId ? stored : { ...parseRecordId(id), ...stored };
    if (!state.zoneId) return undefined;
    try {
      const fqdn = await fqdnOf(ctx.clients, state.zoneId, state.name);
      const set = await findRecord(ctx.clients, state.zoneId, fqdn, state.type, state.setIdentifier);
      if (!set) return undefined;
      const live: Props = compact({
        fqdn,
        zoneId: state.zoneId,
        name: state.name,
        type: state.type,
        setIdentifier: state.setIdentifier,
      });
      if (set.ResourceRecords) live.records = set.ResourceRecords.map((r) => r.Value);
      if (set.TTL !== undefined) live.ttl = set.TTL;
      return live;
    } catch (error) {
      if (awsErrorName(error) === "NoSuchHostedZone") return undefined;
      throw error;
    }
  },
  async update(ctx, _id, olds, news) {
    const fqdn = await fqdnOf(ctx.clients, news.zoneId, news.name);
    // Upstream (resourceRecordUpdate): a new type or set identifier is another record set, so the
    // old one is deleted and the new one created in one atomic batch; anything else is an UPSERT.
    if (olds.type !== news.type || (olds.setIdentifier ?? "") !== (news.setIdentifier ?? "")) {
      await changeBatch(ctx.clients, news.zoneId, [
        { action: "DELETE", set: recordSet(olds, fqdn) },
        { action: "CREATE", set: recordSet(news, fqdn) },
      ]);
    } else await change(ctx.clients, news.zoneId, "UPSERT", recordSet(news, fqdn));
    return { fqdn };
  },
  async delete(ctx, _id, state) {
    try {
      const fqdn = await fqdnOf(ctx.clients, state.zoneId, state.name);
      await change(ctx.clients, state.zoneId, "DELETE", recordSet(state, fqdn));
    } catch (error) {
      const name = awsErrorName(error);
      const message = (error as Error).message ?? "";
      if (name === "NoSuchHostedZone") return;
      if (name === "InvalidChangeBatch" && /not found|does not exist/i.test(message)) return;
      throw new Error(`deleting Route 53 Record (${recordId(state)}): ${message}`, { cause: error });
    }
  },
};

function zoneOutputs(zone: HostedZone, nameServers: string[]): Props {
  const zoneId = cleanZoneId(zone.Id!);
  return compact({
    id: zoneId,
    zoneId,
    name: cleanName(zone.Name!),
    arn: `arn:aws:route53:::hostedzone/${zoneId}`,
    privateZone: zone.Config?.PrivateZone === true,
    comment: zone.Config?.Comment ?? "",
    callerReference: zone.CallerReference,
    resourceRecordSetCount: zone.ResourceRecordSetCount,
    nameServers,
    primaryNameServer: nameServers[0],
    tags: {},
  });
}

export const getZone: InvokeHandler = {
  token: "aws:route53/getZone:getZone",
  async invoke(clients, args) {
    const r53 = clients.route53();
    const details = async (id: string) => {
      const out = await r53.send(new Route53.GetHostedZoneCommand({ Id: id }));
      return zoneOutputs(out.HostedZone!, out.DelegationSet?.NameServers ?? []);
    };
    if (args.zoneId) {
      try {
        return await details(cleanZoneId(args.zoneId));
      } catch (error) {
        if (awsErrorName(error) === "NoSuchHostedZone") throw new Error("no matching Route 53 Hosted Zone found");
        throw error;
      }
    }
    if (!args.name) throw new Error('one of "name" or "zoneId" must be set');
    const wanted = cleanName(args.name);
    const privateZone = args.privateZone === true;
    let marker: { DNSName?: string; HostedZoneId?: string } = { DNSName: wanted };
    const matches: HostedZone[] = [];
    for (;;) {
      const out = await r53.send(new Route53.ListHostedZonesByNameCommand(compact({ ...marker, MaxItems: 100 })));
      for (const zone of out.HostedZones ?? []) {
        if (cleanName(zone.Name ?? "") === wanted && (zone.Config?.PrivateZone === true) === privateZone)
          matches.push(zone);
      }
      if (!out.IsTruncated || !out.NextDNSName || cleanName(out.NextDNSName) !== wanted) break;
      marker = { DNSName: out.NextDNSName, HostedZoneId: out.NextHostedZoneId };
    }
    if (matches.length === 0) throw new Error("no matching Route 53 Hosted Zone found");
    if (matches.length > 1)
      throw new Error(
        "multiple Route 53 Hosted Zones matched; use additional constraints to reduce matches to a single Hosted Zone",
      );
    return details(cleanZoneId(matches[0]!.Id!));
  },
};
