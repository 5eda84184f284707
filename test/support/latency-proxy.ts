/**
 * A test-only HTTP proxy in front of moto that models what moto leaves out:
 * Route53 propagation. Every ChangeResourceRecordSets answered through it
 * stays PENDING (in its own answer and in GetChange) for `insyncMs`, then
 * INSYNC — as Route53 does. Everything else passes through untouched, and
 * every request is counted by its AWS action (for API-call budgets).
 *
 * Product code stays honest: it polls GetChange exactly as against AWS.
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
  stop(): Promise<void>;
}

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
            let payload = Buffer.concat(parts);
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
    stop: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
