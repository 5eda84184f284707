/**
 * The DR load balancer's TLS certificate: the plan's ACM certificate of the
 * target region, or the ISSUED one there that covers the names the journey
 * serves. Checked in preflight, so a certificate that would make every HTTPS
 * client fail after the switch stops the journey before anything is created.
 */
import type { ACMClient, CertificateDetail, KeyAlgorithm } from "@aws-sdk/client-acm";
import { awsErrorName } from "./aws.js";
import { formatDuration } from "./clock.js";
import { PreconditionError } from "./errors.js";
import type { Plan } from "./plan.js";
import { ACM } from "./sdk.js";

/**
 * Whether one name of a certificate (a SAN, or the subject's CN) covers a host
 * name, as TLS clients check it (RFC 6125 §6.4.3, the only wildcard form ACM
 * issues): `*.example.com` covers `api.example.com` but neither `example.com`
 * nor `a.b.example.com`. Case and a trailing dot are ignored.
 */
export function nameCovers(certificateName: string, host: string): boolean {
  const pattern = certificateName.toLowerCase().replace(/\.$/, "");
  const name = host.toLowerCase().replace(/\.$/, "");
  if (!pattern.startsWith("*.")) return pattern === name;
  const dot = name.indexOf(".");
  return dot > 0 && name.slice(dot + 1) === pattern.slice(2);
}

/** The names a journey's load balancer answers to over HTTPS, and why each is needed. */
export function namesToCover(plan: Plan, journey: "drill" | "failover" | "preview"): string[] {
  // A drill is verified through its own record, and rehearses the failover: a certificate that
  // would fail production clients after a real switch must fail the drill too.
  return journey === "drill" ? [plan.dns.drillRecord, plan.dns.productionRecord] : [plan.dns.productionRecord];
}

/** What ACM says about one certificate, reduced to what preflight judges. */
export interface CertificateFacts {
  arn: string;
  status: string;
  notAfter?: Date;
  /** DomainName and every SubjectAlternativeName. */
  names: string[];
}

export function factsOf(detail: CertificateDetail): CertificateFacts {
  return {
    arn: detail.CertificateArn ?? "",
    status: detail.Status ?? "UNKNOWN",
    notAfter: detail.NotAfter,
    names: [...new Set([detail.DomainName, ...(detail.SubjectAlternativeNames ?? [])].filter(Boolean) as string[])],
  };
}

export interface CertificateProblem {
  code: string;
  message: string;
}

/** Why this certificate cannot serve these names at `now`, or undefined when it can. */
export function certificateProblem(
  facts: CertificateFacts,
  hosts: readonly string[],
  now: Date,
): CertificateProblem | undefined {
  if (facts.status !== "ISSUED") {
    return {
      code: "CERTIFICATE_NOT_ISSUED",
      message: `certificate ${facts.arn} is ${facts.status}, not ISSUED: a load balancer cannot serve it${
        facts.status === "PENDING_VALIDATION" ? " — finish its DNS validation (the CNAME records ACM shows)" : ""
      }`,
    };
  }
  if (facts.notAfter && facts.notAfter.getTime() <= now.getTime()) {
    return {
      code: "CERTIFICATE_EXPIRED",
      message: `certificate ${facts.arn} expired at ${facts.notAfter.toISOString()}: renew or re-import it, or name another one`,
    };
  }
  const uncovered = hosts.filter((host) => !facts.names.some((name) => nameCovers(name, host)));
  if (uncovered.length > 0) {
    return {
      code: "CERTIFICATE_NOT_COVERING",
      message: `certificate ${facts.arn} covers ${facts.names.join(", ") || "no name"} but not ${uncovered.join(", ")}: HTTPS clients of ${uncovered.length === 1 ? "that name" : "those names"} would reject it`,
    };
  }
  return undefined;
}

/** Every key type ACM has: ListCertificates returns only RSA_2048 certificates unless asked for others. */
const ALL_KEY_TYPES: KeyAlgorithm[] = [
  "RSA_1024",
  "RSA_2048",
  "RSA_3072",
  "RSA_4096",
  "EC_prime256v1",
  "EC_secp384r1",
  "EC_secp521r1",
];

async function describe(acm: ACMClient, arn: string): Promise<CertificateDetail | undefined> {
  try {
    return (await acm.send(new ACM.DescribeCertificateCommand({ CertificateArn: arn }))).Certificate;
  } catch (error) {
    if (awsErrorName(error) === "ResourceNotFoundException") return undefined;
    throw error;
  }
}

const EXPIRY_WARNING_MS = 30 * 24 * 60 * 60 * 1000;

export interface ResolvedCertificate {
  arn: string;
  warnings: { code: string; message: string }[];
}

/**
 * The certificate the DR load balancer serves: the plan's (checked), else the
 * ISSUED one of the region covering `hosts` that stays valid longest. Throws a
 * PreconditionError naming the certificate and the fix.
 */
export async function resolveCertificate(
  acm: ACMClient,
  options: { region: string; certificateArn?: string; hosts: readonly string[]; now: Date },
): Promise<ResolvedCertificate> {
  const { region, hosts, now } = options;
  const field = `targets.${region}.loadBalancer.certificateArn`;
  let chosen: CertificateFacts | undefined;
  if (options.certificateArn) {
    const detail = await describe(acm, options.certificateArn);
    if (!detail) {
      throw new PreconditionError(
        "CERTIFICATE_NOT_FOUND",
        `certificate ${options.certificateArn} (${field}) does not exist in ACM in ${region}`,
        {
          hint: `Request or import it in ${region} (an ALB only takes a certificate of its own region), or fix ${field}.`,
        },
      );
    }
    chosen = factsOf(detail);
    const problem = certificateProblem(chosen, hosts, now);
    if (problem) throw new PreconditionError(problem.code, problem.message, { hint: `Fix it or change ${field}.` });
  } else {
    const arns: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await acm.send(
        new ACM.ListCertificatesCommand({
          CertificateStatuses: ["ISSUED"],
          Includes: { keyTypes: ALL_KEY_TYPES },
          NextToken: nextToken,
        }),
      );
      for (const summary of page.CertificateSummaryList ?? [])
        if (summary.CertificateArn) arns.push(summary.CertificateArn);
      nextToken = page.NextToken;
    } while (nextToken);
    const usable = (await Promise.all(arns.map((arn) => describe(acm, arn))))
      .filter((detail): detail is CertificateDetail => detail !== undefined)
      .map(factsOf)
      .filter((facts) => certificateProblem(facts, hosts, now) === undefined)
      .sort((a, b) => (b.notAfter?.getTime() ?? Infinity) - (a.notAfter?.getTime() ?? Infinity));
    chosen = usable[0];
    if (!chosen) {
      throw new PreconditionError(
        "CERTIFICATE_NOT_FOUND",
        `no ISSUED, unexpired ACM certificate in ${region} covers ${hosts.join(" and ")} (${arns.length} ISSUED certificate${arns.length === 1 ? "" : "s"} there)`,
        {
          hint: `Request one in ${region} for ${hosts.join(" and ")} (e.g. a wildcard of the zone) and validate it, then re-run — or name it in ${field}.`,
        },
      );
    }
  }
  const warnings: ResolvedCertificate["warnings"] = [];
  if (chosen.notAfter && chosen.notAfter.getTime() - now.getTime() < EXPIRY_WARNING_MS) {
    warnings.push({
      code: "CERTIFICATE_EXPIRES_SOON",
      message: `certificate ${chosen.arn} expires in ${formatDuration(chosen.notAfter.getTime() - now.getTime())} (${chosen.notAfter.toISOString()}): renew it before the next drill`,
    });
  }
  return { arn: chosen.arn, warnings };
}
