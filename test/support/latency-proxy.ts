/**
 * A test-only HTTP proxy in front of moto that models what moto leaves out:
 * Route53 propagation. Every ChangeResourceRecordSets answered through it
 * stays PENDING (in its own answer and in GetChange) for `insyncMs`, then
 * INSYNC — as Route53 does. Everything else passes through untouched, and
 * every request is counted by its AWS action (for API-call budgets).
 *
 * Product code stays honest: it polls GetChange exactly as against AWS.
 *
 * With `setSdkWaits`, it also models the waits of the operations a failback
 * calls through the SDK (the stand-in plugin sleeps the engine's, not these):
 * a snapshot created or copied answers `creating` in DescribeDBSnapshots, an
 * instance restored from one `creating` in DescribeDBInstances, a service
 * scaled to 0 keeps a running task (draining) and one given a new deployment
 * shows two deployments in DescribeServices, and a promoted read replica
 * answers `modifying` in DescribeDBInstances, each for its modeled time. Keyed
 * by region (the request's credential scope) and identifier.
 */
import { createServer, request, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";

export interface LatencyProxy {
  /** e.g. http://127.0.0.1:41234 — give this to the SDK clients and the stack instead of moto's. */
  readonly endpoint: string;
  /** Requests seen per action ("GetChange", "DescribeDBSnapshots", …). */
  readonly calls: Map<string, number>;
  /** Route53 changes seen: id → when they become INSYNC (ms, performance.now()). */
  readonly changes: Map<string, number>;
  /** Every ChangeResourceRecordSets in order, with how often it was answered PENDING (its own answer and GetChange). */
  readonly changeLog: { id: string; pendingAnswers: number }[];
  setInsyncMs(ms: number): void;
  /** Start (or, with undefined, stop) modeling a failback's SDK waits, in milliseconds. */
  setSdkWaits(waits: SdkWaits | undefined): void;
  stop(): Promise<void>;
}

export interface SdkWaits {
  snapshotCreateMs: number;
  snapshotCopyMs: number;
  restoreMs: number;
  drainMs: number;
  deploymentMs: number;
  /** PromoteReadReplica → available (the replica method); 0 when not given. */
  promoteMs?: number;
}

/** The region of a signed request (its credential scope), or "". */
const regionOf = (headers: IncomingMessage["headers"]) =>
  /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(headers.authorization ?? ""))?.[1] ?? "";

/** The AWS action of a request: the Query protocol's Action= (RDS, EC2, …), the JSON target, or Route53's REST path. */
function actionOf(method: string, url: string, headers: IncomingMessage["headers"], body: string): string {
  const target = headers["x-amz-target"];
  if (typeof target === "string") return target.split(".").pop()!;
  const query = /(?:^|[?&])Action=([A-Za-z0-9]+)/.exec(body) ?? /[?&]Action=([A-Za-z0-9]+)/.exec(url);
  if (query) return query[1];
  if (url.startsWith("/2013-04-01/")) {
    if (/\/rrset\/?$/.test(url.split("?")[0]) && method === "POST") return "ChangeResourceRecordSets";
    if (/\/rrset\/?$/.test(url.split("?")[0]) && method === "GET") return "ListResourceRecordSets";
    if (url.startsWith("/2013-04-01/change/")) return "GetChange";
    return `route53 ${method} ${url.split("?")[0].split("/").slice(2, 4).join("/")}`;
  }
  return `${method} ${url.split("?")[0]}`;
}

export async function startLatencyProxy(target: string, options: { insyncMs: number }): Promise<LatencyProxy> {
  const upstream = new URL(target);
  let insyncMs = options.insyncMs;
  const calls = new Map<string, number>();
  const changes = new Map<string, number>();
  // moto gives every change the same id: a PENDING answer counts for the latest change of that id.
  const changeLog: LatencyProxy["changeLog"] = [];
  let sdkWaits: SdkWaits | undefined;
  // `${kind}:${region}:${identifier}` → when the modeled operation is done (performance.now()).
  const pending = new Map<string, number>();
  const busy = (key: string) => (pending.get(key) ?? 0) > performance.now();

  /** Registers the wait a successful request starts. */
  function started(action: string, region: string, body: string) {
    if (!sdkWaits) return;
    const now = performance.now();
    if (action === "CreateDBSnapshot" || action === "CopyDBSnapshot" || action === "RestoreDBInstanceFromDBSnapshot") {
      const form = new URLSearchParams(body);
      if (action === "CreateDBSnapshot")
        pending.set(`snapshot:${region}:${form.get("DBSnapshotIdentifier")}`, now + sdkWaits.snapshotCreateMs);
      else if (action === "CopyDBSnapshot")
        pending.set(`snapshot:${region}:${form.get("TargetDBSnapshotIdentifier")}`, now + sdkWaits.snapshotCopyMs);
      else pending.set(`instance:${region}:${form.get("DBInstanceIdentifier")}`, now + sdkWaits.restoreMs);
    } else if (action === "PromoteReadReplica") {
      const form = new URLSearchParams(body);
      pending.set(`promote:${region}:${form.get("DBInstanceIdentifier")}`, now + (sdkWaits.promoteMs ?? 0));
    } else if (action === "UpdateService") {
      const input = JSON.parse(body || "{}") as {
        service?: string;
        desiredCount?: number;
        forceNewDeployment?: boolean;
      };
      const name = String(input.service ?? "")
        .split("/")
        .pop();
      if (input.desiredCount === 0) pending.set(`drain:${region}:${name}`, now + sdkWaits.drainMs);
      if (input.forceNewDeployment) pending.set(`deploy:${region}:${name}`, now + sdkWaits.deploymentMs);
    }
  }

  /** What a Describe answers while a modeled operation is still going. */
  function inProgress(action: string, region: string, payload: Buffer<ArrayBufferLike>): Buffer<ArrayBufferLike> {
    if (!sdkWaits) return payload;
    if (action === "DescribeDBSnapshots" || action === "DescribeDBInstances") {
      const [element, idTag, statusTag] =
        action === "DescribeDBSnapshots"
          ? ["DBSnapshot", "DBSnapshotIdentifier", "Status"]
          : ["DBInstance", "DBInstanceIdentifier", "DBInstanceStatus"];
      const kind = action === "DescribeDBSnapshots" ? "snapshot" : "instance";
      const text = payload.toString("utf8").replace(new RegExp(`<${element}>[\\s\\S]*?</${element}>`, "g"), (block) => {
        const id = new RegExp(`<${idTag}>([^<]+)</${idTag}>`).exec(block)?.[1];
        const status = !id
          ? undefined
          : busy(`${kind}:${region}:${id}`)
            ? "creating"
            : kind === "instance" && busy(`promote:${region}:${id}`)
              ? "modifying"
              : undefined;
        return status
          ? block.replace(`<${statusTag}>available</${statusTag}>`, `<${statusTag}>${status}</${statusTag}>`)
          : block;
      });
      return Buffer.from(text, "utf8");
    }
    if (action === "DescribeServices") {
      const answer = JSON.parse(payload.toString("utf8")) as {
        services?: { serviceName?: string; runningCount?: number; deployments?: unknown[] }[];
      };
      for (const service of answer.services ?? []) {
        if (busy(`drain:${region}:${service.serviceName}`))
          service.runningCount = Math.max(1, service.runningCount ?? 0);
        if (busy(`deploy:${region}:${service.serviceName}`) && service.deployments?.length)
          service.deployments = [...service.deployments, { ...(service.deployments[0] as object), status: "ACTIVE" }];
      }
      return Buffer.from(JSON.stringify(answer), "utf8");
    }
    return payload;
  }

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const url = req.url ?? "/";
      const action = actionOf(req.method ?? "GET", url, req.headers, body.toString("latin1"));
      calls.set(action, (calls.get(action) ?? 0) + 1);
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: url, headers: req.headers },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => parts.push(chunk));
          answer.on("end", () => {
            let payload: Buffer<ArrayBufferLike> = Buffer.concat(parts);
            const region = regionOf(req.headers);
            if (answer.statusCode === 200) {
              started(action, region, body.toString("utf8"));
              payload = inProgress(action, region, payload);
            }
            if (action === "ChangeResourceRecordSets" || action === "GetChange") {
              let text = payload.toString("utf8");
              const id = /<Id>(?:\/change\/)?([^<]+)<\/Id>/.exec(text)?.[1];
              if (id) {
                if (action === "ChangeResourceRecordSets" && answer.statusCode === 200) {
                  changes.set(id, performance.now() + insyncMs);
                  changeLog.push({ id, pendingAnswers: 0 });
                }
                const readyAt = changes.get(id);
                if (readyAt !== undefined && performance.now() < readyAt) {
                  text = text.replace("<Status>INSYNC</Status>", "<Status>PENDING</Status>");
                  const latest = [...changeLog].reverse().find((change) => change.id === id);
                  if (latest) latest.pendingAnswers += 1;
                }
              }
              payload = Buffer.from(text, "utf8");
            }
            const headers = { ...answer.headers, "content-length": String(payload.length) };
            delete headers["transfer-encoding"];
            res.writeHead(answer.statusCode ?? 502, headers);
            res.end(payload);
          });
        },
      );
      forward.on("error", (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    changes,
    changeLog,
    setInsyncMs: (ms) => (insyncMs = ms),
    setSdkWaits: (waits) => {
      sdkWaits = waits;
      pending.clear();
    },
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
