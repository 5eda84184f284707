/**
 * A fault-injecting HTTP proxy on 127.0.0.1 in front of moto (tests only).
 * Point `--endpoint-url` (the tool's SDK clients and, through the stack's
 * provider endpoints, the stand-in plugin) at it instead of moto.
 *
 * Per request, with probability `errorRate` (a seeded PRNG, so a run is
 * reproducible), one fault is injected BEFORE the request reaches moto (so a
 * retried non-idempotent call is never applied twice by the fault itself):
 * - throttle: HTTP 400 with the protocol's ThrottlingException/Throttling body
 * - 429 Too Many Requests
 * - 500 / 503
 * - drop: the connection is destroyed without an answer
 * Plus `latencyMs` added to every request. `blackholeRegions`: requests whose
 * SigV4 credential scope names one of these regions are counted and never
 * answered (the socket is destroyed after `blackholeHangMs`), like a region
 * that is down.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";

export type FaultKind = "throttle" | "429" | "500" | "503" | "drop";

export interface FaultProxyOptions {
  /** moto's URL, e.g. http://127.0.0.1:43121 */
  target: string;
  errorRate?: number;
  faults?: FaultKind[];
  latencyMs?: number;
  seed?: number;
  blackholeRegions?: string[];
  blackholeHangMs?: number;
}

export interface FaultProxyStats {
  requests: number;
  injected: Record<FaultKind, number>;
  /** Requests per SigV4 region (from the Authorization header). */
  byRegion: Record<string, number>;
  blackholed: number;
}

export interface FaultProxy {
  endpoint: string;
  stats: FaultProxyStats;
  /** Changes the error rate from now on (e.g. 1 = every request fails). */
  setErrorRate(rate: number): void;
  resetStats(): void;
  stop(): Promise<void>;
}

/** mulberry32: small, fast, good enough for reproducible fault schedules. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The region of a SigV4 request: `Credential=AKID/20261128/<region>/<service>/aws4_request`. */
export function sigv4Region(authorization: string | undefined): string | undefined {
  return /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(authorization ?? "")?.[1];
}

/** An error body in the request's protocol (JSON, EC2 query, or the query/REST XML envelope). */
function errorBody(
  req: IncomingMessage,
  body: Buffer,
  code: string,
  message: string,
): { contentType: string; text: string } {
  const contentType = String(req.headers["content-type"] ?? "");
  if (contentType.includes("json")) {
    return {
      contentType: "application/x-amz-json-1.1",
      text: JSON.stringify({ __type: code === "Throttling" ? "ThrottlingException" : code, message }),
    };
  }
  if (/Action=\w+/.test(body.toString()) && /Version=2016-11-15/.test(body.toString())) {
    // EC2's query protocol has its own error envelope.
    const ec2Code = code === "Throttling" ? "RequestLimitExceeded" : code;
    return {
      contentType: "text/xml",
      text: `<Response><Errors><Error><Code>${ec2Code}</Code><Message>${message}</Message></Error></Errors><RequestID>fault</RequestID></Response>`,
    };
  }
  return {
    contentType: "text/xml",
    text: `<ErrorResponse><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>fault</RequestId></ErrorResponse>`,
  };
}

export async function startFaultProxy(options: FaultProxyOptions): Promise<FaultProxy> {
  const target = new URL(options.target);
  const random = seededRandom(options.seed ?? 42);
  const faults = options.faults ?? ["throttle", "429", "500", "503", "drop"];
  let errorRate = options.errorRate ?? 0;
  const fresh = (): FaultProxyStats => ({
    requests: 0,
    injected: { throttle: 0, "429": 0, "500": 0, "503": 0, drop: 0 },
    byRegion: {},
    blackholed: 0,
  });
  const stats = fresh();
  const hanging = new Set<NodeJS.Timeout>();

  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    upstream.end(body);
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const region = sigv4Region(req.headers.authorization);
      // moto's own API (reset, dumps) is never faulted.
      const isAws = !req.url?.startsWith("/moto-api");
      if (isAws) {
        stats.requests += 1;
        if (region) stats.byRegion[region] = (stats.byRegion[region] ?? 0) + 1;
      }
      if (isAws && region && options.blackholeRegions?.includes(region)) {
        stats.blackholed += 1;
        const timer = setTimeout(() => {
          hanging.delete(timer);
          req.socket.destroy();
        }, options.blackholeHangMs ?? 60_000);
        hanging.add(timer);
        return;
      }
      const roll = random();
      const pick = faults[Math.floor(random() * faults.length)];
      const act = () => {
        if (!isAws || roll >= errorRate) return forward(req, res, body);
        stats.injected[pick] += 1;
        switch (pick) {
          case "drop":
            return req.socket.destroy();
          case "throttle": {
            if (/Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/s3\//.test(req.headers.authorization ?? "")) {
              // S3 throttles with 503 SlowDown (a 400 on a HEAD request has no body: the SDK could not tell it is throttling).
              res.writeHead(503, { "content-type": "application/xml" });
              return res.end(`<Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>`);
            }
            const { contentType, text } = errorBody(req, body, "Throttling", "Rate exceeded");
            res.writeHead(400, { "content-type": contentType });
            return res.end(text);
          }
          default: {
            const [code, message] =
              pick === "429"
                ? ["TooManyRequestsException", "Too Many Requests"]
                : pick === "500"
                  ? ["InternalFailure", "Internal error (injected)"]
                  : ["ServiceUnavailable", "Service unavailable (injected)"];
            const { contentType, text } = errorBody(req, body, code, message);
            res.writeHead(Number(pick), { "content-type": contentType });
            return res.end(text);
          }
        }
      };
      if (options.latencyMs) setTimeout(act, options.latencyMs);
      else act();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    setErrorRate(rate) {
      errorRate = rate;
    },
    resetStats() {
      Object.assign(stats, fresh());
    },
    async stop() {
      for (const timer of hanging) clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
