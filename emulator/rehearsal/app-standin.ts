/**
 * A stand-in for the application's containers: moto registers ECS services and
 * ALBs but never runs anything, so health verification needs something that
 * answers HTTP. Listens on 127.0.0.1 only.
 *
 * With `tls` it also plays the DR load balancer's two listeners: HTTPS with
 * the world's certificate in front of the app (the :443 listener), and plain
 * HTTP that only redirects to it (the :80 listener, an ALB redirect action
 * with port 443, protocol HTTPS, status HTTP_301 and the default host, path
 * and query).
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import type { ConnectTo } from "../../automation/verify.js";

export interface AppStandinOptions {
  /** The plan's service.healthCheckPath, e.g. /health. */
  healthPath: string;
  /** Status of the health answer (default 200): set e.g. 503 to model an unhealthy app. */
  status?: number;
  /**
   * Whether the load balancer behind a name (the request's Host) has a healthy target: false
   * answers 503, as the app does while its database does not answer (an ALB without healthy
   * targets fails open to them). undefined (not a load balancer the emulator knows): `status`.
   * See `loadBalancerHealth` (lb-health.ts), which asks moto's DescribeTargetHealth.
   */
  healthy?: (host: string) => Promise<boolean | undefined>;
  /** Port of the plain app server (default: any free one). */
  port?: number;
  /** The certificate (PEM, for the names verification uses) and its key: serve HTTPS and the redirect too. */
  tls?: { cert: string; key: string };
}

export interface AppStandin {
  /** The plain app server's port. */
  readonly port: number;
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** With `tls`: the port of the HTTPS server (the :443 listener). */
  readonly httpsPort?: number;
  /** With `tls`: the port of the redirect-only HTTP server (the :80 listener). */
  readonly redirectPort?: number;
  /**
   * Where verification's requests go: :443 to the HTTPS server (trusting the
   * world's certificate for that connection only), :80 to the redirect, any
   * other port to the plain app.
   */
  readonly connectTo: ConnectTo;
  /** Every request to the app as "METHOD /path", in arrival order (not the redirects). */
  readonly requests: string[];
  stop(): Promise<void>;
}

async function listen(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    server.closeAllConnections();
    server.close((error) => (error ? reject(error) : resolve()));
  });
}

/** What the :80 listener's redirect action answers: 301 to https://#{host}:443/#{path}?#{query}. */
const redirectToHttps: RequestListener = (request: IncomingMessage, response: ServerResponse) => {
  const host = (request.headers.host ?? "").replace(/:\d+$/, "");
  response.writeHead(301, { location: `https://${host}:443${request.url ?? "/"}`, connection: "close" });
  response.end();
};

export async function startAppStandin(options: AppStandinOptions): Promise<AppStandin> {
  const requests: string[] = [];
  const status = options.status ?? 200;
  /** The health answer's status for a name: the load balancer's targets decide when they are known. */
  const healthStatus = async (host: string): Promise<number> => {
    const targets = await options.healthy?.(host).catch(() => false);
    return targets === false ? 503 : status;
  };
  const app: RequestListener = (request, response) => {
    const path = new URL(request.url ?? "/", "http://standin").pathname;
    requests.push(`${request.method ?? "GET"} ${request.url ?? "/"}`);
    const host = (request.headers.host ?? "").replace(/:\d+$/, "");
    const health = path === options.healthPath;
    void (health ? healthStatus(host) : Promise.resolve(404)).then((answer) => {
      const body = health
        ? { status: answer >= 200 && answer < 300 ? "ok" : "unhealthy" }
        : { error: "not found", path };
      response.writeHead(answer, { "content-type": "application/json", connection: "close" });
      response.end(request.method === "HEAD" ? undefined : JSON.stringify(body));
    });
  };
  const servers: Server[] = [];
  const started = async (server: Server, port?: number) => {
    const bound = await listen(server, port);
    servers.push(server);
    return bound;
  };
  try {
    const port = await started(createServer(app), options.port);
    const tls = options.tls;
    const httpsPort = tls ? await started(createTlsServer({ cert: tls.cert, key: tls.key }, app)) : undefined;
    const redirectPort = tls ? await started(createServer(redirectToHttps)) : undefined;
    const connectTo: ConnectTo = (_host, targetPort) => {
      if (targetPort === 443 && httpsPort !== undefined) return { host: "127.0.0.1", port: httpsPort, ca: tls?.cert };
      if (targetPort === 80 && redirectPort !== undefined) return { host: "127.0.0.1", port: redirectPort };
      return { host: "127.0.0.1", port };
    };
    return {
      port,
      url: `http://127.0.0.1:${port}`,
      httpsPort,
      redirectPort,
      connectTo,
      requests,
      stop: async () => {
        await Promise.all(servers.map(close));
      },
    };
  } catch (error) {
    await Promise.all(servers.map(close));
    throw error;
  }
}
