import {
  ChangeResourceRecordSetsCommand,
  CreateHostedZoneCommand,
  GetHostedZoneCommand,
  ListResourceRecordSetsCommand,
} from "@aws-sdk/client-route-53";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { StandinProvider } from "../../emulator/aws-standin/provider.js";
import { CreateVpcCommand } from "@aws-sdk/client-ec2";
import {
  checkAndCreate,
  ec2,
  REGION_B,
  sdk,
  standinProvider,
  startMoto,
  urn,
  type MotoServer,
} from "../support/standin-moto.js";

const TYPE = "aws:route53/record:Record";

describe("stand-in aws:route53/record:Record and getZone on moto", () => {
  let moto: MotoServer;
  let provider: StandinProvider;
  let zoneId: string;

  const records = async (name: string) => {
    const out = await sdk(moto, REGION_B)
      .route53()
      .send(new ListResourceRecordSetsCommand({ HostedZoneId: zoneId }));
    return (out.ResourceRecordSets ?? []).filter((r) => r.Name === `${name}.`);
  };

  beforeAll(async () => {
    moto = await startMoto();
    const zone = await sdk(moto, REGION_B)
      .route53()
      .send(new CreateHostedZoneCommand({ Name: "example.com", CallerReference: "t1" }));
    zoneId = zone.HostedZone!.Id!.replace("/hostedzone/", "");
    provider = standinProvider(moto, REGION_B);
  }, 120_000);

  afterAll(async () => {
    await moto?.stop();
  });

  it("creates (CREATE), updates (UPSERT), reads and deletes a record", async () => {
    const inputs = { zoneId, name: "app", type: "CNAME", ttl: 60, records: ["primary.example.net"] };
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "app"), inputs);
    expect(id).toBe(`${zoneId}_app_CNAME`);
    expect(outs.fqdn).toBe("app.example.com");
    expect((await records("app.example.com"))[0]?.ResourceRecords?.[0]?.Value).toBe("primary.example.net");

    expect((await provider.diff(id, urn(TYPE, "app"), outs, inputs)).changes).toBe(false);
    const retarget = { ...inputs, records: ["dr.example.net"] };
    expect(await provider.diff(id, urn(TYPE, "app"), outs, retarget)).toMatchObject({ changes: true, replaces: [] });
    // ForceNew upstream: zone_id and name only; type and set_identifier change in place.
    for (const prop of ["zoneId", "name"]) {
      expect((await provider.diff(id, urn(TYPE, "app"), outs, { ...inputs, [prop]: "X" })).replaces).toEqual([prop]);
    }
    for (const prop of ["type", "setIdentifier"]) {
      expect(await provider.diff(id, urn(TYPE, "app"), outs, { ...inputs, [prop]: "X" })).toMatchObject({
        changes: true,
        replaces: [],
      });
    }
    let updated = await provider.update(id, urn(TYPE, "app"), outs, retarget);
    expect((await records("app.example.com"))[0]?.ResourceRecords?.[0]?.Value).toBe("dr.example.net");
    // A new type: the old record set is deleted and the new one created (one batch), as upstream's update does.
    const retyped = { ...retarget, type: "TXT", records: ['"dr"'] };
    updated = await provider.update(id, urn(TYPE, "app"), updated.outs, retyped);
    expect((await records("app.example.com")).map((set) => set.Type)).toEqual(["TXT"]);
    updated = await provider.update(id, urn(TYPE, "app"), updated.outs, retarget);
    expect((await records("app.example.com")).map((set) => set.Type)).toEqual(["CNAME"]);

    const read = await provider.read(id, urn(TYPE, "app"), updated.outs);
    expect(read.props.records).toEqual(["dr.example.net"]);

    await provider.delete(id, urn(TYPE, "app"), updated.outs);
    expect(await records("app.example.com")).toHaveLength(0);
    expect((await provider.read(id, urn(TYPE, "app"), updated.outs)).id).toBe("");
  });

  it("fails to CREATE over an existing record unless allowOverwrite (UPSERT)", async () => {
    await sdk(moto, REGION_B)
      .route53()
      .send(
        new ChangeResourceRecordSetsCommand({
          HostedZoneId: zoneId,
          ChangeBatch: {
            Changes: [
              {
                Action: "CREATE",
                ResourceRecordSet: {
                  Name: "www.example.com",
                  Type: "A",
                  TTL: 300,
                  ResourceRecords: [{ Value: "10.0.0.1" }],
                },
              },
            ],
          },
        }),
      );
    const inputs = { zoneId, name: "www.example.com", type: "A", ttl: 60, records: ["10.0.0.2"] };
    await expect(checkAndCreate(provider, urn(TYPE, "www"), inputs)).rejects.toThrow(/already exists/);
    expect((await records("www.example.com"))[0]?.ResourceRecords?.map((r) => r.Value)).toEqual(["10.0.0.1"]);
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "www"), { ...inputs, allowOverwrite: true });
    expect(id).toBe(`${zoneId}_www.example.com_A`);
    const live = await records("www.example.com");
    expect(live).toHaveLength(1);
    expect(live[0]?.ResourceRecords?.map((r) => r.Value)).toEqual(["10.0.0.2"]);
    await provider.delete(id, urn(TYPE, "www"), outs);
    expect(await records("www.example.com")).toHaveLength(0);
  });

  it("creates an alias record", async () => {
    const inputs = {
      zoneId,
      name: "alias.example.com",
      type: "A",
      aliases: [
        { name: "my-alb-123.us-west-2.elb.amazonaws.com", zoneId: "Z1H1FL5HABSF5", evaluateTargetHealth: true },
      ],
    };
    const { id, outs } = await checkAndCreate(provider, urn(TYPE, "alias"), inputs);
    const live = await records("alias.example.com");
    expect(live[0]?.AliasTarget?.DNSName).toContain("my-alb-123");
    await provider.delete(id, urn(TYPE, "alias"), outs);
    expect(await records("alias.example.com")).toHaveLength(0);
  });

  it("getZone finds a zone by name or id and fails for a missing one", async () => {
    const byName = await provider.invoke("aws:route53/getZone:getZone", { name: "example.com." });
    expect(byName.outputs).toMatchObject({ zoneId, id: zoneId, name: "example.com", privateZone: false });
    const byId = await provider.invoke("aws:route53/getZone:getZone", { zoneId });
    expect(byId.outputs.name).toBe("example.com");
    await expect(provider.invoke("aws:route53/getZone:getZone", { name: "missing.example" })).rejects.toThrow(
      /no matching Route 53 Hosted Zone/,
    );
  });

  it("Zone: a private zone in a VPC; refuses to delete while it holds records, unless forceDestroy", async () => {
    const vpc = await ec2(moto, REGION_B).send(new CreateVpcCommand({ CidrBlock: "10.9.0.0/16" }));
    const vpcId = vpc.Vpc!.VpcId!;
    const zoneUrn = urn("aws:route53/zone:Zone", "zone");
    const inputs = { name: "app.dr.internal", comment: "dr-failover app", vpcs: [{ vpcId }] };
    const { id, outs } = await checkAndCreate(provider, zoneUrn, inputs);
    expect(outs.zoneId).toBe(id);
    expect(outs.name).toBe("app.dr.internal");
    expect(outs.vpcs).toEqual([{ vpcId, vpcRegion: REGION_B }]);
    const zone = await sdk(moto, REGION_B)
      .route53()
      .send(new GetHostedZoneCommand({ Id: id }));
    expect(zone.HostedZone?.Config?.PrivateZone).toBe(true);
    // ForceNew: name and delegationSetId; vpcs and comment in place (upstream zone.go).
    expect((await provider.diff(id, zoneUrn, outs, { ...inputs, name: "other.dr.internal" })).replaces).toEqual([
      "name",
    ]);
    expect((await provider.diff(id, zoneUrn, outs, { ...inputs, comment: "x" })).replaces).toEqual([]);
    const record = await checkAndCreate(provider, urn(TYPE, "db"), {
      zoneId: id,
      name: "db.app.dr.internal",
      type: "CNAME",
      ttl: 30,
      records: ["db-1.example.net"],
    });
    expect(record.outs.fqdn).toBe("db.app.dr.internal");
    // AWS: HostedZoneNotEmpty (moto would delete it): the stack must delete its records first.
    await expect(provider.delete(id, zoneUrn, outs)).rejects.toThrow(/HostedZoneNotEmpty/);
    await provider.delete(id, zoneUrn, { ...outs, forceDestroy: true });
    await expect(
      sdk(moto, REGION_B)
        .route53()
        .send(new GetHostedZoneCommand({ Id: id })),
    ).rejects.toThrow();
    expect((await provider.read(id, zoneUrn, outs)).id).toBe("");
  });
});
