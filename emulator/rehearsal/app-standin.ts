/**
 * A stand-in for the application's containers: moto registers ECS services and
 * ALBs but never runs anything, so health verification needs something that
 * answers HTTP. Listens on 127.0.0.1 only.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface AppStandinOptions {
  /** The plan's service.healthCheckPath, e.g. /health. */
  healthPath: string;
  /** Status of the health answer (default 200): set e.g. 503 to model an unhealthy app. */
  status?: number;
  /** Port to listen on (default: any free one). */
  port?: number;
}

export interface AppStandin {
  readonly port: number;
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** Every request as "METHOD /path", in arrival order. */
  readonly requests: string[];
  stop(): Promise<void>;
}

export async function startAppStandin(options: AppStandinOptions): Promise<AppStandin> {
  const requests: string[] = [];
  const status = options.status ?? 200;
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://standin").pathname;
    requests.push(`${request.method ?? "GET"} ${request.url ?? "/"}`);
    const healthy = path === options.healthPath;
    const body = healthy
      ? { status: status >= 200 && status < 300 ? "ok" : "unhealthy" }
      : { error: "not found", path };
    response.writeHead(healthy ? status : 404, { "content-type": "application/json", connection: "close" });
    response.end(request.method === "HEAD" ? undefined : JSON.stringify(body));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    requests,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
