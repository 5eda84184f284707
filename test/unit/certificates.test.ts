/**
 * The certificate rules preflight applies (pure): which names a certificate
 * covers, which names a journey needs covered, and why a certificate is refused.
 */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { certificateProblem, nameCovers, namesToCover } from "../../automation/certificates.js";
import { UsageError } from "../../automation/errors.js";
import { loadPlan, parsePlan } from "../../automation/plan.js";

const ARN = "arn:aws:acm:ap-northeast-3:123456789012:certificate/0a1b2c3d-1111-2222-3333-444455556666";
const NOW = new Date("2026-11-30T00:00:00Z");
const LATER = new Date("2027-06-30T00:00:00Z");

describe("which names a certificate covers", () => {
  it("an exact name covers itself only, ignoring case and a trailing dot", () => {
    expect(nameCovers("api.example.com", "api.example.com")).toBe(true);
    expect(nameCovers("API.Example.com.", "api.example.com")).toBe(true);
    expect(nameCovers("api.example.com", "www.example.com")).toBe(false);
    expect(nameCovers("example.com", "api.example.com")).toBe(false);
  });

  it("a wildcard covers exactly one label: *.example.com covers api.example.com, not a.b.example.com nor example.com", () => {
    expect(nameCovers("*.example.com", "api.example.com")).toBe(true);
    expect(nameCovers("*.example.com", "drill-api.example.com")).toBe(true);
    expect(nameCovers("*.example.com", "a.b.example.com")).toBe(false);
    expect(nameCovers("*.example.com", "example.com")).toBe(false);
    expect(nameCovers("*.example.com", "api.example.org")).toBe(false);
    expect(nameCovers("*.example.com", "apiexample.com")).toBe(false);
  });
});

describe("what a certificate must cover", () => {
  it("a failover (and its preview) the production name; a drill its own name and the production name", async () => {
    const plan = await loadPlan("examples/peoplebooster.yaml");
    expect(namesToCover(plan, "failover")).toEqual(["api.peoplebooster.example.com"]);
    expect(namesToCover(plan, "preview")).toEqual(["api.peoplebooster.example.com"]);
    expect(namesToCover(plan, "drill")).toEqual([
      "drill-api.peoplebooster.example.com",
      "api.peoplebooster.example.com",
    ]);
  });
});

describe("why a certificate is refused", () => {
  const hosts = ["drill-api.example.com", "api.example.com"];
  const issued = { arn: ARN, status: "ISSUED", notAfter: LATER, names: ["*.example.com"] };

  it("accepts an ISSUED, unexpired certificate covering every name", () => {
    expect(certificateProblem(issued, hosts, NOW)).toBeUndefined();
    expect(
      certificateProblem({ ...issued, names: ["api.example.com", "drill-api.example.com"] }, hosts, NOW),
    ).toBeUndefined();
  });

  it("not ISSUED → CERTIFICATE_NOT_ISSUED, with the fix for a pending validation", () => {
    expect(certificateProblem({ ...issued, status: "PENDING_VALIDATION" }, hosts, NOW)).toEqual({
      code: "CERTIFICATE_NOT_ISSUED",
      message: `certificate ${ARN} is PENDING_VALIDATION, not ISSUED: a load balancer cannot serve it — finish its DNS validation (the CNAME records ACM shows)`,
    });
    expect(certificateProblem({ ...issued, status: "REVOKED" }, hosts, NOW)?.code).toBe("CERTIFICATE_NOT_ISSUED");
  });

  it("expired (NotAfter passed, even if ACM still says ISSUED) → CERTIFICATE_EXPIRED", () => {
    expect(certificateProblem({ ...issued, notAfter: new Date("2026-11-29T23:59:59Z") }, hosts, NOW)).toEqual({
      code: "CERTIFICATE_EXPIRED",
      message: `certificate ${ARN} expired at 2026-11-29T23:59:59.000Z: renew or re-import it, or name another one`,
    });
  });

  it("a name left uncovered → CERTIFICATE_NOT_COVERING naming what it covers and what it misses", () => {
    expect(certificateProblem({ ...issued, names: ["api.example.com"] }, hosts, NOW)).toEqual({
      code: "CERTIFICATE_NOT_COVERING",
      message: `certificate ${ARN} covers api.example.com but not drill-api.example.com: HTTPS clients of that name would reject it`,
    });
    expect(certificateProblem({ ...issued, names: ["*.example.com"] }, ["a.b.example.com"], NOW)?.code).toBe(
      "CERTIFICATE_NOT_COVERING",
    );
  });
});

describe("the plan's certificate", () => {
  const example = async () => parse(await readFile("examples/peoplebooster.yaml", "utf8"));
  const problems = (doc: unknown) => {
    try {
      parsePlan(doc, "bad.yaml");
      return [];
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      return (error as UsageError).details;
    }
  };

  it("must be an ACM certificate ARN of its own target region", async () => {
    const doc = await example();
    doc.targets["ap-northeast-3"].loadBalancer.certificateArn = "arn:aws:iam::123456789012:server-certificate/x";
    doc.targets["us-west-2"].loadBalancer.certificateArn = ARN;
    expect(problems(doc)).toEqual([
      "targets.ap-northeast-3.loadBalancer.certificateArn: must be an ACM certificate ARN such as arn:aws:acm:ap-northeast-3:123456789012:certificate/…",
      "targets.us-west-2.loadBalancer.certificateArn: is a certificate of ap-northeast-3: a load balancer in us-west-2 needs an ACM certificate of us-west-2 (request or import one there)",
    ]);
  });

  it("is optional (found in preflight), and the TLS policy defaults to TLS 1.2+", async () => {
    const plan = await loadPlan("examples/peoplebooster.yaml");
    expect(plan.targets["ap-northeast-3"].loadBalancer.certificateArn).toBeUndefined();
    expect(plan.targets["ap-northeast-3"].loadBalancer.sslPolicy).toBe("ELBSecurityPolicy-TLS13-1-2-2021-06");
    expect(plan.targets["us-west-2"].loadBalancer.certificateArn).toMatch(/^arn:aws:acm:us-west-2:/);
  });
});
