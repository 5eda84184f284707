/** `aws:route53/record:Record` and the `aws:route53/getZone:getZone` data source. */
import type {
  ChangeAction,
  GetHostedZoneCommandOutput,
  HostedZone,
  ResourceRecordSet,
  RRType,
  VPC,
} from "@aws-sdk/client-route-53";
import type { Clients } from "./config.js";
import type { InvokeHandler, ResourceHandler } from "./types.js";
import { awsErrorName, compact, fromTagList, randomHex, tagDelta, toTagList, waitFor, type Props } from "./wire.js";
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

/** Zone and NS/SOA apex records: what a hosted zone holds before anyone adds a record. */
function isApexDefault(set: ResourceRecordSet, zone: string): boolean {
  return cleanName(set.Name ?? "") === zone && (set.Type === "NS" || set.Type === "SOA");
}

async function allRecordSets(clients: Clients, zoneId: string): Promise<ResourceRecordSet[]> {
  const sets: ResourceRecordSet[] = [];
  let start: { StartRecordName?: string; StartRecordType?: RRType; StartRecordIdentifier?: string } = {};
  for (;;) {
    const out = await clients
      .route53()
      .send(new Route53.ListResourceRecordSetsCommand(compact({ HostedZoneId: zoneId, ...start })));
    sets.push(...(out.ResourceRecordSets ?? []));
    if (!out.IsTruncated || !out.NextRecordName) return sets;
    start = compact({
      StartRecordName: out.NextRecordName,
      StartRecordType: out.NextRecordType,
      StartRecordIdentifier: out.NextRecordIdentifier,
    });
  }
}

async function waitInsync(clients: Clients, changeId: string | undefined, what: string): Promise<void> {
  if (!changeId) return;
  await waitFor(
    `Route 53 Hosted Zone (${what}) synchronize`,
    async () => {
      const status = await clients.route53().send(new Route53.GetChangeCommand({ Id: changeId }));
      return status.ChangeInfo?.Status === "INSYNC" ? true : undefined;
    },
    { timeoutMs: TIMEOUT_MS },
  );
}

function vpcsOf(props: Props, region: string): VPC[] {
  return ((props.vpcs as Props[] | undefined) ?? []).map((vpc) => ({
    VPCId: String(vpc.vpcId),
    VPCRegion: String(vpc.vpcRegion || region),
  })) as VPC[];
}

const vpcKey = (vpc: VPC) => vpc.VPCId ?? "";

async function readZone(clients: Clients, id: string): Promise<Props | undefined> {
  let out: GetHostedZoneCommandOutput;
  try {
    out = await clients.route53().send(new Route53.GetHostedZoneCommand({ Id: id }));
  } catch (error) {
    if (awsErrorName(error) === "NoSuchHostedZone") return undefined;
    throw error;
  }
  const zone = out.HostedZone!;
  const name = cleanName(zone.Name!);
  const zoneId = cleanZoneId(zone.Id!);
  let nameServers = out.DelegationSet?.NameServers ?? [];
  if (zone.Config?.PrivateZone === true) {
    // Upstream (findNameServersByZone): a private zone's name servers are its apex NS record's values.
    const ns = (await allRecordSets(clients, zoneId)).find(
      (set) => cleanName(set.Name ?? "") === name && set.Type === "NS",
    );
    nameServers = (ns?.ResourceRecords ?? []).map((record) => record.Value!);
  }
  const tags = await clients
    .route53()
    .send(new Route53.ListTagsForResourceCommand({ ResourceType: "hostedzone", ResourceId: zoneId }));
  return compact({
    zoneId,
    arn: `arn:aws:route53:::hostedzone/${zoneId}`,
    name,
    comment: zone.Config?.Comment ?? "",
    delegationSetId: out.DelegationSet?.Id ? out.DelegationSet.Id.replace(/^\/?delegationset\//, "") : "",
    nameServers: [...nameServers].sort(),
    primaryNameServer: nameServers[0],
    vpcs: (out.VPCs ?? []).map((vpc) => ({ vpcId: vpc.VPCId, vpcRegion: vpc.VPCRegion })),
    tagsAll: fromTagList(tags.ResourceTagSet?.Tags),
  });
}

/**
 * `aws:route53/zone:Zone` (upstream internal/service/route53/zone.go): CreateHostedZone with the
 * first VPC (a private zone can only be created with one), INSYNC, tags, the other VPCs associated;
 * update: comment, tags, VPCs associated before any is disassociated (a private zone cannot have
 * none); delete: with `forceDestroy` every record but the apex NS/SOA first, else AWS refuses a
 * zone that still holds records (HostedZoneNotEmpty) — so a stack deletes its records first.
 */
export const route53Zone: ResourceHandler = {
  token: "aws:route53/zone:Zone",
  props: {
    name: {
      replace: true,
      validate: (value) =>
        typeof value === "string" && value.length >= 1 && value.length <= 1024
          ? undefined
          : `expected length of name to be in the range (1 - 1024), got ${String(value)}`,
    },
    comment: {
      live: true,
      validate: (value) =>
        typeof value === "string" && value.length <= 256
          ? undefined
          : `expected length of comment to be in the range (0 - 256), got ${String(value)}`,
    },
    delegationSetId: { replace: true },
    forceDestroy: {},
    vpcs: { set: true, live: true, computedFields: ["vpcRegion"] },
    tags: {},
  },
  required: ["name"],
  check(inputs) {
    if (inputs.delegationSetId && ((inputs.vpcs as unknown[] | undefined) ?? []).length > 0)
      return [{ property: "vpcs", reason: '"vpcs": conflicts with delegationSetId' }];
    for (const vpc of (inputs.vpcs as Props[] | undefined) ?? [])
      if (!vpc?.vpcId) return [{ property: "vpcs", reason: "vpcs[].vpcId must not be empty" }];
    return [];
  },
  async create(ctx, inputs) {
    const region = ctx.clients.region;
    const vpcs = vpcsOf(inputs, region);
    const out = await ctx.clients.route53().send(
      new Route53.CreateHostedZoneCommand(
        compact({
          Name: inputs.name,
          CallerReference: `${Date.now()}-${randomHex(8)}`,
          HostedZoneConfig: compact({ Comment: inputs.comment ?? "Managed by Pulumi", PrivateZone: vpcs.length > 0 }),
          DelegationSetId: inputs.delegationSetId || undefined,
          VPC: vpcs[0] as VPC | undefined,
        }),
      ),
    );
    const zoneId = cleanZoneId(out.HostedZone!.Id!);
    ctx.created(zoneId, { zoneId });
    await waitInsync(ctx.clients, out.ChangeInfo?.Id, zoneId);
    const tags = toTagList(inputs.tags);
    if (tags?.length)
      await ctx.clients
        .route53()
        .send(
          new Route53.ChangeTagsForResourceCommand({ ResourceType: "hostedzone", ResourceId: zoneId, AddTags: tags }),
        );
    for (const vpc of vpcs.slice(1)) {
      const assoc = await ctx.clients
        .route53()
        .send(new Route53.AssociateVPCWithHostedZoneCommand({ HostedZoneId: zoneId, VPC: vpc as VPC }));
      await waitInsync(ctx.clients, assoc.ChangeInfo?.Id, zoneId);
    }
    return { id: zoneId, outs: (await readZone(ctx.clients, zoneId)) ?? { zoneId } };
  },
  async read(ctx, id) {
    return readZone(ctx.clients, id);
  },
  async update(ctx, id, olds, news) {
    const r53 = ctx.clients.route53();
    if ((olds.comment ?? "") !== (news.comment ?? ""))
      await r53.send(new Route53.UpdateHostedZoneCommentCommand({ Id: id, Comment: news.comment ?? "" }));
    const delta = tagDelta(olds.tags, news.tags);
    if (delta.removed.length > 0 || Object.keys(delta.set).length > 0)
      await r53.send(
        new Route53.ChangeTagsForResourceCommand(
          compact({
            ResourceType: "hostedzone",
            ResourceId: id,
            AddTags: Object.keys(delta.set).length > 0 ? toTagList(delta.set) : undefined,
            RemoveTagKeys: delta.removed.length > 0 ? delta.removed : undefined,
          }),
        ),
      );
    const region = ctx.clients.region;
    const before = new Map(vpcsOf(olds, region).map((vpc) => [vpcKey(vpc), vpc]));
    const after = new Map(vpcsOf(news, region).map((vpc) => [vpcKey(vpc), vpc]));
    // A private zone cannot be left without a VPC: associate the new ones first.
    for (const [key, vpc] of after) {
      if (before.has(key)) continue;
      const out = await r53.send(new Route53.AssociateVPCWithHostedZoneCommand({ HostedZoneId: id, VPC: vpc as VPC }));
      await waitInsync(ctx.clients, out.ChangeInfo?.Id, id);
    }
    for (const [key, vpc] of before) {
      if (after.has(key)) continue;
      const out = await r53.send(
        new Route53.DisassociateVPCFromHostedZoneCommand({ HostedZoneId: id, VPC: vpc as VPC }),
      );
      await waitInsync(ctx.clients, out.ChangeInfo?.Id, id);
    }
    return (await readZone(ctx.clients, id)) ?? {};
  },
  async delete(ctx, id, state) {
    const r53 = ctx.clients.route53();
    let sets: ResourceRecordSet[];
    try {
      sets = await allRecordSets(ctx.clients, id);
    } catch (error) {
      if (awsErrorName(error) === "NoSuchHostedZone") return;
      throw error;
    }
    const zone = cleanName(state.name ?? "");
    const others = sets.filter((set) => !isApexDefault(set, zone));
    if (others.length > 0) {
      if (state.forceDestroy !== true)
        // AWS refuses to delete a zone that holds records (moto deletes it anyway).
        throw new Error(
          `deleting Route53 Hosted Zone (${id}): HostedZoneNotEmpty: The specified hosted zone contains non-required resource record sets and so cannot be deleted.`,
        );
      for (let index = 0; index < others.length; index += 100) {
        const out = await r53.send(
          new Route53.ChangeResourceRecordSetsCommand({
            HostedZoneId: id,
            ChangeBatch: {
              Comment: "Deleted by Pulumi",
              Changes: others.slice(index, index + 100).map((set) => ({ Action: "DELETE", ResourceRecordSet: set })),
            },
          }),
        );
        await waitInsync(ctx.clients, out.ChangeInfo?.Id, id);
      }
    }
    try {
      const out = await r53.send(new Route53.DeleteHostedZoneCommand({ Id: id }));
      await waitInsync(ctx.clients, out.ChangeInfo?.Id, id);
    } catch (error) {
      if (awsErrorName(error) === "NoSuchHostedZone") return;
      throw error;
    }
  },
};
