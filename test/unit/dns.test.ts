/**
 * The pure part of the production DNS switch: which record sets of a name it
 * switches or refuses, what each becomes, and the changes that switch and
 * restore them. (Against Route53 in moto: test/emulator/dns.test.ts.)
 */
import type { ResourceRecordSet } from "@aws-sdk/client-route-53";
import { describe, expect, it } from "vitest";
import {
  drValueFor,
  maxTtl,
  parsePreviousRecords,
  recordsOfName,
  restoreChanges,
  routingPolicyOf,
  switchChanges,
  targetsOf,
  type DnsRecordValue,
} from "../../automation/dns.js";

const NAME = "api.example.com";
const SOURCE = { DNSName: "dualstack.prod-1.ap-northeast-1.elb.amazonaws.com.", HostedZoneId: "Z14GRHDCWA56QT" };
const DR_LB = { dnsName: "app-dr-1.ap-northeast-3.elb.amazonaws.com", zoneId: "Z5LXEXXYW11ES" };
const drAlias = (type: string): DnsRecordValue => ({
  name: NAME,
  type,
  alias: { dnsName: DR_LB.dnsName, hostedZoneId: DR_LB.zoneId, evaluateTargetHealth: true },
});
const sourceAlias = (type: string): DnsRecordValue => ({
  name: NAME,
  type,
  ttl: undefined,
  records: undefined,
  alias: {
    dnsName: "dualstack.prod-1.ap-northeast-1.elb.amazonaws.com",
    hostedZoneId: SOURCE.HostedZoneId,
    evaluateTargetHealth: false,
  },
});
const pointsAtDr = (value: DnsRecordValue) => value.alias?.dnsName === DR_LB.dnsName;

describe("recordsOfName", () => {
  const listing: ResourceRecordSet[] = [
    { Name: `${NAME}.`, Type: "A", AliasTarget: { ...SOURCE, EvaluateTargetHealth: false } },
    { Name: `${NAME}.`, Type: "AAAA", AliasTarget: { ...SOURCE, EvaluateTargetHealth: false } },
    { Name: `${NAME}.`, Type: "MX", TTL: 300, ResourceRecords: [{ Value: "10 mail.example.com" }] },
    { Name: `${NAME}.`, Type: "TXT", TTL: 300, ResourceRecords: [{ Value: '"v=spf1 -all"' }] },
    { Name: `api2.example.com.`, Type: "CNAME", TTL: 60, ResourceRecords: [{ Value: "elsewhere.example.net" }] },
  ];

  it("takes every simple A and AAAA of the name (alias or not), and no TXT, MX or neighbour", () => {
    expect(recordsOfName(listing, NAME)).toEqual({ routing: [sourceAlias("A"), sourceAlias("AAAA")], withPolicy: [] });
    expect(recordsOfName(listing, `${NAME}.`).routing).toHaveLength(2);
    expect(recordsOfName(listing, "absent.example.com")).toEqual({ routing: [], withPolicy: [] });
  });

  it("sets apart every routing set with a policy, naming the policy; a TXT with a SetIdentifier is not its business", () => {
    const policies: [Partial<ResourceRecordSet>, string][] = [
      [{ Weight: 0 }, "weighted"],
      [{ Region: "ap-northeast-1" }, "latency"],
      [{ Failover: "PRIMARY" }, "failover"],
      [{ GeoLocation: { CountryCode: "JP" } }, "geolocation"],
      [{ GeoProximityLocation: { AWSRegion: "ap-northeast-1", Bias: 0 } }, "geoproximity"],
      [{ MultiValueAnswer: true }, "multivalue answer"],
      [{ CidrRoutingConfig: { CollectionId: "c", LocationName: "office" } }, "IP-based"],
    ];
    for (const [fields, policy] of policies) {
      const set: ResourceRecordSet = {
        Name: `${NAME}.`,
        Type: "AAAA",
        SetIdentifier: `set-${policy}`,
        AliasTarget: { ...SOURCE, EvaluateTargetHealth: true },
        ...fields,
      };
      expect(routingPolicyOf(set)).toBe(policy);
      expect(recordsOfName([set], NAME)).toEqual({
        routing: [],
        withPolicy: [{ name: NAME, type: "AAAA", setIdentifier: `set-${policy}`, policy }],
      });
    }
    const weightedTxt: ResourceRecordSet = {
      Name: `${NAME}.`,
      Type: "TXT",
      SetIdentifier: "a",
      Weight: 1,
      TTL: 60,
      ResourceRecords: [{ Value: '"x"' }],
    };
    expect(recordsOfName([weightedTxt], NAME)).toEqual({ routing: [], withPolicy: [] });
  });
});

describe("drValueFor", () => {
  it("keeps each type: A and AAAA (alias or not) become aliases of the DR load balancer, a CNAME a CNAME", () => {
    expect(drValueFor(sourceAlias("A"), DR_LB, 60)).toEqual(drAlias("A"));
    expect(drValueFor(sourceAlias("AAAA"), DR_LB, 60)).toEqual(drAlias("AAAA"));
    expect(drValueFor({ name: NAME, type: "AAAA", ttl: 300, records: ["2001:db8::1"] }, DR_LB, 60)).toEqual(
      drAlias("AAAA"),
    );
    expect(drValueFor({ name: NAME, type: "CNAME", ttl: 300, records: ["prod.example.net"] }, DR_LB, 60)).toEqual({
      name: NAME,
      type: "CNAME",
      ttl: 60,
      records: [DR_LB.dnsName],
    });
  });
});

describe("switchChanges and restoreChanges", () => {
  const previous = [sourceAlias("A"), sourceAlias("AAAA")];
  const desired = previous.map((value) => drValueFor(value, DR_LB, 60));

  it("switches A and AAAA together, and nothing once both point at the DR load balancer", () => {
    expect(switchChanges(previous, desired)).toEqual([
      { action: "UPSERT", value: drAlias("A") },
      { action: "UPSERT", value: drAlias("AAAA") },
    ]);
    // Half switched (the A by a version that switched one type): only the AAAA is left to do.
    expect(switchChanges([drAlias("A"), sourceAlias("AAAA")], desired)).toEqual([
      { action: "UPSERT", value: drAlias("AAAA") },
    ]);
    expect(switchChanges(desired, desired)).toEqual([]);
  });

  it("restores every set that points at the DR stack, and leaves one someone pointed elsewhere since", () => {
    expect(restoreChanges(desired, previous, pointsAtDr)).toEqual([
      { action: "UPSERT", value: sourceAlias("A") },
      { action: "UPSERT", value: sourceAlias("AAAA") },
    ]);
    const elsewhere: DnsRecordValue = { ...drAlias("AAAA"), alias: { ...drAlias("AAAA").alias!, dnsName: "x.elb" } };
    expect(restoreChanges([drAlias("A"), elsewhere], previous, pointsAtDr)).toEqual([
      { action: "UPSERT", value: sourceAlias("A") },
    ]);
  });

  it("undoes an older version's switch of an AAAA-only name into an alias A: DELETE the A first, then the AAAA back", () => {
    expect(restoreChanges([drAlias("A")], [sourceAlias("AAAA")], pointsAtDr)).toEqual([
      { action: "DELETE", value: drAlias("A") },
      { action: "UPSERT", value: sourceAlias("AAAA") },
    ]);
  });
});

describe("parsePreviousRecords", () => {
  it("reads the list, and the single record a stack switched by an older version holds", () => {
    expect(parsePreviousRecords(JSON.stringify([sourceAlias("A"), sourceAlias("AAAA")]))).toHaveLength(2);
    const legacy = { name: NAME, type: "CNAME", ttl: 60, records: ["prod.example.net"] };
    expect(parsePreviousRecords(JSON.stringify(legacy))).toEqual([legacy]);
  });
});

describe("targetsOf and maxTtl", () => {
  it("names each target once and takes the longest TTL (an alias has none)", () => {
    expect(targetsOf([sourceAlias("A"), sourceAlias("AAAA")])).toBe(
      "dualstack.prod-1.ap-northeast-1.elb.amazonaws.com",
    );
    expect(targetsOf([])).toBeUndefined();
    expect(maxTtl([sourceAlias("A")])).toBeUndefined();
    expect(
      maxTtl([
        { name: NAME, type: "A", ttl: 300 },
        { name: NAME, type: "AAAA", ttl: 60 },
      ]),
    ).toBe(300);
  });
});
