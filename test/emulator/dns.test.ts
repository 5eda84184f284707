/**
 * The production DNS switch against a real moto Route 53: zone lookup, record
 * reads, one batch that UPSERTs every routing set to the DR load balancer with
 * INSYNC wait, restore to the recorded previous values, each type kept its
 * type, and the name never without a record.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetChangeCommand,
  ListResourceRecordSetsCommand,
  type ResourceRecordSet,
} from "@aws-sdk/client-route-53";
import { emulatorClients, type EmulatorClients } from "../../emulator/rehearsal/clients.js";
import { startMoto, type MotoServer } from "../../emulator/rehearsal/moto.js";
import {
  changeRecords,
  drValueFor,
  findHostedZone,
  readNameRecords,
  readRecord,
  recordTarget,
  restoreChanges,
  switchChanges,
  waitInSync,
  type DnsRecordValue,
} from "../../automation/dns.js";
import { ExitCode, PreconditionError } from "../../automation/errors.js";

const ZONE = "peoplebooster.example.com";
const SLOW = 60_000;
/** ALB canonical hosted zone ids (published by AWS) for the source and DR regions. */
const SOURCE_ALB_ZONE = "Z14GRHDCWA56QT"; // ap-northeast-1
const DR_ALB_ZONE = "Z5LXEXXYW11ES"; // ap-northeast-3
const SOURCE_LB = "peoplebooster-prod-123456789.ap-northeast-1.elb.amazonaws.com";
const DR_LB = { dnsName: "peoplebooster-dr-987654321.ap-northeast-3.elb.amazonaws.com", zoneId: DR_ALB_ZONE };
const WAIT = { timeoutMs: 30_000, initialIntervalMs: 50 };

let moto: MotoServer;
let global: EmulatorClients;
let zoneId: string;

async function change(action: "CREATE" | "UPSERT" | "DELETE", set: ResourceRecordSet): Promise<void> {
  await global.route53.send(
    new ChangeResourceRecordSetsCommand({
      HostedZoneId: zoneId,
      ChangeBatch: { Changes: [{ Action: action, ResourceRecordSet: set }] },
    }),
  );
}

/** Every record set of the zone except its own SOA/NS, as `name type value`. */
async function zoneRecords(): Promise<string[]> {
  const { ResourceRecordSets = [] } = await global.route53.send(
    new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 1000 }),
  );
  return ResourceRecordSets.filter((set) => set.Type !== "SOA" && set.Type !== "NS")
    .map(
      (set) =>
        `${set.Name} ${set.Type} ${set.AliasTarget?.DNSName ?? (set.ResourceRecords ?? []).map((record) => record.Value).join(",")}`,
    )
    .sort();
}

beforeAll(async () => {
  moto = await startMoto();
  global = emulatorClients(moto.endpoint, "us-east-1");
  const zone = await global.route53.send(
    new CreateHostedZoneCommand({
      Name: ZONE,
      CallerReference: `dns-test-${Date.now()}`,
      HostedZoneConfig: { Comment: "public", PrivateZone: false },
    }),
  );
  zoneId = zone.HostedZone!.Id!.replace(/^\/hostedzone\//, "");
  // Neighbours whose names sort around the records under test: readRecord must pick the exact name.
  await global.route53.send(
    new CreateHostedZoneCommand({ Name: `other-${ZONE}`, CallerReference: `dns-test-other-${Date.now()}` }),
  );
  await change("CREATE", { Name: `api.${ZONE}`, Type: "CNAME", TTL: 300, ResourceRecords: [{ Value: SOURCE_LB }] });
  await change("CREATE", {
    Name: `api2.${ZONE}`,
    Type: "CNAME",
    TTL: 60,
    ResourceRecords: [{ Value: "unrelated.example.net" }],
  });
  await change("CREATE", {
    Name: `api.${ZONE}`,
    Type: "TXT",
    TTL: 60,
    ResourceRecords: [{ Value: '"owner=platform"' }],
  });
  await change("CREATE", {
    Name: `www.${ZONE}`,
    Type: "A",
    AliasTarget: { DNSName: `dualstack.${SOURCE_LB}`, HostedZoneId: SOURCE_ALB_ZONE, EvaluateTargetHealth: false },
  });
}, SLOW);

afterAll(async () => {
  global?.destroy();
  await moto?.stop();
});

describe("findHostedZone", () => {
  it("finds the public zone by name (with or without the trailing dot) and returns its bare id", async () => {
    expect(await findHostedZone(global.route53, ZONE)).toBe(zoneId);
    expect(await findHostedZone(global.route53, `${ZONE}.`)).toBe(zoneId);
    expect(zoneId).not.toContain("/");
  });

  it("fails with HOSTED_ZONE_NOT_FOUND for a zone that does not exist, even next to similarly named zones", async () => {
    const error = await findHostedZone(global.route53, `example.com`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PreconditionError);
    expect(error).toMatchObject({ code: "HOSTED_ZONE_NOT_FOUND", exitCode: ExitCode.precondition });
    expect((error as Error).message).toBe("hosted zone example.com not found in Route53");
    await expect(findHostedZone(global.route53, "nothing-here.example.org")).rejects.toMatchObject({
      code: "HOSTED_ZONE_NOT_FOUND",
    });
  });
});

describe("readRecord", () => {
  it("reads a CNAME (not the TXT of the same name, not a neighbour) with its TTL and value", async () => {
    const value = await readRecord(global.route53, zoneId, `api.${ZONE}`);
    expect(value).toEqual({ name: `api.${ZONE}`, type: "CNAME", ttl: 300, records: [SOURCE_LB], alias: undefined });
    expect(recordTarget(value)).toBe(SOURCE_LB);
  });

  it("reads an alias A record as an alias", async () => {
    const value = await readRecord(global.route53, zoneId, `www.${ZONE}`);
    expect(value).toMatchObject({
      name: `www.${ZONE}`,
      type: "A",
      alias: { dnsName: `dualstack.${SOURCE_LB}`, hostedZoneId: SOURCE_ALB_ZONE, evaluateTargetHealth: false },
    });
    expect(recordTarget(value)).toBe(`dualstack.${SOURCE_LB}`);
  });

  it("returns undefined for a name with no A/AAAA/CNAME record", async () => {
    expect(await readRecord(global.route53, zoneId, `absent.${ZONE}`)).toBeUndefined();
    expect(recordTarget(undefined)).toBeUndefined();
  });
});

/** The routing sets of a name, as the failover reads them. */
const routingOf = async (name: string) => (await readNameRecords(global.route53, zoneId, name)).routing;
const pointsAtDr = (value: DnsRecordValue) => recordTarget(value) === DR_LB.dnsName;

/** What the failover does: every routing set to the DR load balancer, one batch. */
async function switchToDr(name: string, previous: DnsRecordValue[]): Promise<string> {
  const desired = previous.map((value) => drValueFor(value, DR_LB, 60));
  return changeRecords(global.route53, zoneId, switchChanges(await routingOf(name), desired), "to DR", WAIT);
}

/** What destroy does: put back what points at the DR load balancer. */
async function restore(name: string, previous: DnsRecordValue[]): Promise<void> {
  await changeRecords(
    global.route53,
    zoneId,
    restoreChanges(await routingOf(name), previous, pointsAtDr),
    "back",
    WAIT,
  );
}

describe("changeRecords: switch and restore", () => {
  it("switches a CNAME to the DR load balancer, waits INSYNC, restores the previous value, and never deletes the record", async () => {
    const name = `api.${ZONE}`;
    const before = await zoneRecords();
    const previous = await routingOf(name);
    expect(previous).toHaveLength(1);

    expect(drValueFor(previous[0], DR_LB, 60)).toEqual({ name, type: "CNAME", ttl: 60, records: [DR_LB.dnsName] });

    const changeId = await switchToDr(name, previous);
    expect(changeId).toBeTruthy();
    const status = await global.route53.send(new GetChangeCommand({ Id: changeId }));
    expect(status.ChangeInfo?.Status).toBe("INSYNC");
    const switched = await readRecord(global.route53, zoneId, name);
    expect(switched).toMatchObject({ type: "CNAME", ttl: 60, records: [DR_LB.dnsName] });
    expect(recordTarget(switched)).toBe(DR_LB.dnsName);
    // Still exactly one CNAME of that name (an UPSERT, not a second record); everything else (its TXT too) untouched.
    const during = await zoneRecords();
    expect(during.filter((line) => line.startsWith(`${name}. CNAME`))).toEqual([`${name}. CNAME ${DR_LB.dnsName}`]);
    expect(during.length).toBe(before.length);

    // Idempotent: the same switch again has nothing left to change.
    const desired = previous.map((value) => drValueFor(value, DR_LB, 60));
    expect(switchChanges(await routingOf(name), desired)).toEqual([]);

    await restore(name, previous);
    expect(await routingOf(name)).toEqual(previous);
    expect(await zoneRecords()).toEqual(before);
  });

  it("keeps an alias A record an alias A pointing at the DR load balancer, and restores the original alias", async () => {
    const name = `www.${ZONE}`;
    const before = await zoneRecords();
    const previous = await routingOf(name);

    expect(drValueFor(previous[0], DR_LB, 60)).toEqual({
      name,
      type: "A",
      alias: { dnsName: DR_LB.dnsName, hostedZoneId: DR_ALB_ZONE, evaluateTargetHealth: true },
    });

    await switchToDr(name, previous);
    const switched = await readRecord(global.route53, zoneId, name);
    expect(switched).toMatchObject({
      type: "A",
      alias: { dnsName: DR_LB.dnsName, hostedZoneId: DR_ALB_ZONE, evaluateTargetHealth: true },
    });
    expect(switched?.records ?? []).toEqual([]);
    expect(await zoneRecords()).toHaveLength(before.length);

    await restore(name, previous);
    expect(await routingOf(name)).toEqual(previous);
    expect(await zoneRecords()).toEqual(before);
  });

  it("switches alias A and alias AAAA in one batch (each keeps its type), leaves the TXT alone, and restores both exactly", async () => {
    const name = `dual.${ZONE}`;
    const sourceAlias = {
      DNSName: `dualstack.${SOURCE_LB}`,
      HostedZoneId: SOURCE_ALB_ZONE,
      EvaluateTargetHealth: false,
    };
    await change("CREATE", { Name: name, Type: "A", AliasTarget: sourceAlias });
    await change("CREATE", { Name: name, Type: "AAAA", AliasTarget: sourceAlias });
    await change("CREATE", { Name: name, Type: "TXT", TTL: 300, ResourceRecords: [{ Value: '"v=spf1 -all"' }] });
    const listing = async () =>
      (await global.route53.send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId, MaxItems: 1000 })))
        .ResourceRecordSets;
    const before = await listing();
    const previous = await routingOf(name);
    expect(previous.map((value) => value.type)).toEqual(["A", "AAAA"]);

    const desired = previous.map((value) => drValueFor(value, DR_LB, 60));
    const changes = switchChanges(previous, desired);
    expect(changes.map((item) => `${item.action} ${item.value.type}`)).toEqual(["UPSERT A", "UPSERT AAAA"]);
    await changeRecords(global.route53, zoneId, changes, "dual-stack to DR", WAIT);
    const switched = await routingOf(name);
    expect(switched.map((value) => [value.type, recordTarget(value), value.alias?.hostedZoneId])).toEqual([
      ["A", DR_LB.dnsName, DR_ALB_ZONE],
      ["AAAA", DR_LB.dnsName, DR_ALB_ZONE],
    ]);
    expect((await zoneRecords()).filter((line) => line.startsWith(`${name}. TXT`))).toEqual([
      `${name}. TXT "v=spf1 -all"`,
    ]);

    await restore(name, previous);
    expect(await listing()).toEqual(before);
  });

  it("turns a plain A record into an alias A to the DR load balancer and back to the plain A", async () => {
    const name = `legacy.${ZONE}`;
    await change("CREATE", { Name: name, Type: "A", TTL: 60, ResourceRecords: [{ Value: "203.0.113.10" }] });
    const previous = await routingOf(name);
    expect(previous).toMatchObject([{ type: "A", records: ["203.0.113.10"] }]);

    const steps: Array<DnsRecordValue | undefined> = [];
    await switchToDr(name, previous);
    steps.push(await readRecord(global.route53, zoneId, name));
    await restore(name, previous);
    steps.push(await readRecord(global.route53, zoneId, name));

    expect(steps[0]).toMatchObject({ type: "A", alias: { dnsName: DR_LB.dnsName } });
    expect(steps[1]).toEqual(previous[0]);
    await change("DELETE", { Name: name, Type: "A", TTL: 60, ResourceRecords: [{ Value: "203.0.113.10" }] });
  });

  it("restores a type the switch of an older version replaced (alias A in place of a CNAME) in one batch, never missing", async () => {
    // An older version turned a CNAME into an alias A: destroy DELETEs the A and UPSERTs the CNAME in one atomic batch.
    const name = `switch.${ZONE}`;
    await change("CREATE", { Name: name, Type: "CNAME", TTL: 60, ResourceRecords: [{ Value: SOURCE_LB }] });
    const cname = await routingOf(name);
    await change("DELETE", { Name: name, Type: "CNAME", TTL: 60, ResourceRecords: [{ Value: SOURCE_LB }] });
    await change("CREATE", {
      Name: name,
      Type: "A",
      AliasTarget: { DNSName: DR_LB.dnsName, HostedZoneId: DR_ALB_ZONE, EvaluateTargetHealth: true },
    });

    const changes = restoreChanges(await routingOf(name), cname, pointsAtDr);
    expect(changes.map((item) => `${item.action} ${item.value.type}`)).toEqual(["DELETE A", "UPSERT CNAME"]);
    await changeRecords(global.route53, zoneId, changes, "alias A → CNAME", WAIT);
    expect(await routingOf(name)).toEqual(cname);
    expect((await zoneRecords()).filter((line) => line.startsWith(`${name}.`))).toEqual([
      `${name}. CNAME ${SOURCE_LB}`,
    ]);
  });
});

describe("readNameRecords", () => {
  it("sets a weighted set apart from the simple ones (with its policy), and ignores TXT and neighbours", async () => {
    const name = `weighted.${ZONE}`;
    for (const [id, weight] of [
      ["blue", 100],
      ["green", 0],
    ] as const) {
      await change("CREATE", {
        Name: name,
        Type: "CNAME",
        TTL: 60,
        SetIdentifier: id,
        Weight: weight,
        ResourceRecords: [{ Value: `${id}.example.net` }],
      });
    }
    await change("CREATE", { Name: name, Type: "TXT", TTL: 60, ResourceRecords: [{ Value: '"x"' }] });
    expect(await readNameRecords(global.route53, zoneId, name)).toEqual({
      routing: [],
      withPolicy: [
        { name, type: "CNAME", setIdentifier: "blue", policy: "weighted" },
        { name, type: "CNAME", setIdentifier: "green", policy: "weighted" },
      ],
    });
  });
});

describe("waitInSync", () => {
  it("returns once Route53 reports INSYNC for a real change", async () => {
    const changed = await global.route53.send(
      new ChangeResourceRecordSetsCommand({
        HostedZoneId: zoneId,
        ChangeBatch: {
          Changes: [
            {
              Action: "UPSERT",
              ResourceRecordSet: {
                Name: `api2.${ZONE}`,
                Type: "CNAME",
                TTL: 60,
                ResourceRecords: [{ Value: "unrelated.example.net" }],
              },
            },
          ],
        },
      }),
    );
    const started = Date.now();
    await waitInSync(global.route53, changed.ChangeInfo!.Id!, `api2.${ZONE}`, WAIT);
    expect(Date.now() - started).toBeLessThan(5_000); // moto is INSYNC at once: no sleep
  });
});
