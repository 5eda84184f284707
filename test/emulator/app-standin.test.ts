import { get } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { checkHealth, checkHttpsRedirect, type ConnectTo } from "../../automation/verify.js";
import { startAppStandin, type AppStandin } from "../../emulator/rehearsal/app-standin.js";
import { selfSignedCertificate } from "../../emulator/rehearsal/certificate.js";

describe("startAppStandin", () => {
  let app: AppStandin | undefined;
  afterEach(async () => {
    await app?.stop();
    app = undefined;
  });

  it("answers the health path with 200 {status: ok}, everything else with 404, and records each request", async () => {
    app = await startAppStandin({ healthPath: "/health" });
    expect(app.url).toBe(`http://127.0.0.1:${app.port}`);
    const health = await fetch(`${app.url}/health`);
    expect(health.status).toBe(200);
    expect(health.headers.get("content-type")).toBe("application/json");
    expect(await health.json()).toEqual({ status: "ok" });
    expect((await fetch(`${app.url}/health?probe=1`)).status).toBe(200);
    const other = await fetch(`${app.url}/`);
    expect(other.status).toBe(404);
    await other.text();
    expect(app.requests).toEqual(["GET /health", "GET /health?probe=1", "GET /"]);
  });

  it("can play an unhealthy app", async () => {
    app = await startAppStandin({ healthPath: "/healthz", status: 503 });
    const response = await fetch(`${app.url}/healthz`);
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: "unhealthy" });
    expect(app.requests).toHaveLength(1);
  });

  it("answers 503 through a load balancer without a healthy target, and per status for a name it does not know", async () => {
    const asked: string[] = [];
    app = await startAppStandin({
      healthPath: "/health",
      healthy: async (host) => {
        asked.push(host);
        return host === "dr-lb.example" ? false : undefined;
      },
    });
    // fetch() does not let a request name its Host: node:http does.
    const through = (host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = get({ host: "127.0.0.1", port: app!.port, path: "/health", headers: { host } }, (response) => {
          let body = "";
          response.setEncoding("utf8");
          response.on("data", (chunk: string) => (body += chunk));
          response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on("error", reject);
      });
    expect(await through("dr-lb.example")).toEqual({ status: 503, body: JSON.stringify({ status: "unhealthy" }) });
    expect((await through("elsewhere.example")).status).toBe(200);
    expect(asked).toEqual(["dr-lb.example", "elsewhere.example"]);
  });

  it("with tls plays the load balancer: HTTPS verified for the name, and HTTP that only redirects", async () => {
    app = await startAppStandin({ healthPath: "/health", tls: await selfSignedCertificate(["api.dr.example"]) });
    const check = { path: "/health", expectStatus: 200, timeoutMs: 1_000, connectTo: app.connectTo };
    const health = await checkHealth({ ...check, hostname: "api.dr.example" });
    expect(health).toMatchObject({ name: "GET https://api.dr.example/health", ok: true });
    expect(await checkHttpsRedirect({ ...check, hostname: "api.dr.example" })).toMatchObject({
      ok: true,
      detail: "301 to https://api.dr.example/health",
    });
    expect(app.requests).toEqual(["GET /health"]);

    // The certificate is verified for the name: another name fails, and so does an untrusted issuer.
    const otherName = await checkHealth({ ...check, hostname: "www.dr.example" });
    expect(otherName.ok).toBe(false);
    expect(otherName.detail).toMatch(/altnames/);
    const systemCasOnly: ConnectTo = (host, port) => ({ ...app!.connectTo(host, port)!, ca: undefined });
    const untrusted = await checkHealth({ ...check, hostname: "api.dr.example", connectTo: systemCasOnly });
    expect(untrusted.detail).toMatch(/self[- ]signed certificate/);
    // Plain HTTP answered by the app itself is not a redirect.
    const plainApp: ConnectTo = () => ({ host: "127.0.0.1", port: app!.port });
    expect(await checkHttpsRedirect({ ...check, hostname: "api.dr.example", connectTo: plainApp })).toMatchObject({
      ok: false,
      detail: "expected 301 to https://api.dr.example/health, got 200",
    });
  });

  it("stops listening", async () => {
    const standin = await startAppStandin({ healthPath: "/health" });
    await standin.stop();
    await expect(fetch(`${standin.url}/health`)).rejects.toThrow();
  });
});
