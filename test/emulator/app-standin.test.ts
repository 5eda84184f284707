import { afterEach, describe, expect, it } from "vitest";
import { startAppStandin, type AppStandin } from "../../emulator/rehearsal/app-standin.js";

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

  it("stops listening", async () => {
    const standin = await startAppStandin({ healthPath: "/health" });
    await standin.stop();
    await expect(fetch(`${standin.url}/health`)).rejects.toThrow();
  });
});
