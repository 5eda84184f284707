import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recordingSink, type DrEvent } from "../../automation/events.js";
import { notifyingSink, type NotificationPayload, type NotificationsPlan } from "../../automation/notify.js";
import { reportSummary } from "../../automation/report/summary.js";
import { sampleReport } from "./fixtures.js";

interface Hook {
  url: string;
  bodies: unknown[];
  server: Server;
}

/** A webhook endpoint on 127.0.0.1 that answers `status`, or never answers (`hang`). */
async function endpoint(behaviour: { status: number } | "hang"): Promise<Hook> {
  const bodies: unknown[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    let text = "";
    request.on("data", (chunk) => (text += chunk));
    request.on("end", () => {
      bodies.push(JSON.parse(text));
      if (behaviour === "hang") return; // never answers
      response
        .writeHead(behaviour.status, { "content-type": "text/plain" })
        .end(behaviour.status === 200 ? "ok" : "boom");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, bodies, server };
}

let slack: Hook;
let json: Hook;
let failing: Hook;
let hanging: Hook;
beforeAll(async () => {
  [slack, json, failing, hanging] = await Promise.all([
    endpoint({ status: 200 }),
    endpoint({ status: 200 }),
    endpoint({ status: 500 }),
    endpoint("hang"),
  ]);
});
afterAll(async () => {
  for (const hook of [slack, json, failing, hanging]) {
    hook.server.closeAllConnections();
    await new Promise((resolve) => hook.server.close(resolve));
  }
});

const SECRET = "s3cr3t-Pa55word-never-sent";
const report = sampleReport({ journey: "failover" });
const journey: DrEvent[] = [
  {
    type: "run-started",
    runId: "r-1",
    journey: "failover",
    targetRegion: "ap-northeast-3",
    stackName: "peoplebooster-failover-ap-northeast-3",
    emulator: false,
    incidentStart: "2026-11-28T03:00:00.000Z",
    rtoBudgetMs: 14_400_000,
  },
  { type: "phase-started", phase: "preflight" },
  { type: "info", message: `password is ${SECRET}` },
  { type: "warning", code: "X", message: `engine said ${SECRET}` },
  { type: "phase-finished", phase: "preflight", durationMs: 30_000, ok: true },
  {
    type: "resource",
    urn: "urn:db",
    resourceType: "aws:rds/instance:Instance",
    name: "database",
    op: "create",
    status: "started",
  },
  {
    type: "dns-switched",
    record: "api.peoplebooster.example.com",
    target: "peoplebooster-dr-1.ap-northeast-3.elb.amazonaws.com",
  },
  {
    type: "run-finished",
    runId: "r-1",
    ok: true,
    reportPaths: ["/home/ops/.dr-failover/runs/r-1/report.json"],
    summary: reportSummary(report),
  },
];

describe("notifications", () => {
  it("posts start, phase changes, DNS switched and the result with the report summary: Slack { text, blocks } and generic JSON", async () => {
    const inner = recordingSink();
    const plan: NotificationsPlan = {
      timeout: 2_000,
      webhooks: [
        { kind: "slack", urlEnv: "TEST_SLACK_URL", events: ["start", "dns", "finish"] },
        { kind: "json", url: json.url },
      ],
    };
    const sink = notifyingSink(inner, plan, { env: { TEST_SLACK_URL: slack.url } });
    journey.forEach(sink);
    await sink.flush();

    expect(inner.events).toEqual(journey);
    const texts = (slack.bodies as { text: string; blocks?: unknown[] }[]).map((body) => body.text);
    expect(texts).toHaveLength(3);
    expect(texts[0]).toMatch(
      /^:rotating_light: dr-failover failover → ap-northeast-3 started \(run r-1, stack peoplebooster-failover-ap-northeast-3, RTO budget 4:00:00\)$/,
    );
    expect(texts[1]).toBe(
      ":globe_with_meridians: dr-failover failover → ap-northeast-3: api.peoplebooster.example.com now points at peoplebooster-dr-1.ap-northeast-3.elb.amazonaws.com",
    );
    expect(texts[2]).toContain(
      ":white_check_mark: dr-failover failover → ap-northeast-3 succeeded — RTO 0:39:01 / 4:00:00 (16.3 %) met; RPO 0:38:00 / 1:00:00 met; Verification 3 passed, 0 failed",
    );
    expect((slack.bodies[2] as { blocks: unknown[] }).blocks).toHaveLength(2);

    const payloads = (json.bodies as NotificationPayload[]).sort((a, b) => a.sequence - b.sequence);
    expect(payloads.map((payload) => payload.event.type)).toEqual([
      "run-started",
      "phase-started",
      "phase-finished",
      "dns-switched",
      "run-finished",
    ]);
    expect(payloads[0]).toMatchObject({
      schemaVersion: 1,
      source: "dr-failover",
      run: { runId: "r-1", journey: "failover" },
    });
    expect(payloads[4].summary).toMatchObject({
      result: "succeeded",
      rtoMet: true,
      rpoMet: true,
      verification: { passed: 3, failed: 0 },
    });
    // Local paths stay local; messages (where a secret could hide) are never sent.
    expect(JSON.stringify([slack.bodies, json.bodies])).not.toContain(SECRET);
    expect(JSON.stringify(json.bodies)).not.toContain("/home/ops");
  });

  it("a webhook that fails (HTTP 500) or hangs never blocks or fails the run: one warning each, requests cut at the timeout", async () => {
    const inner = recordingSink();
    const plan: NotificationsPlan = {
      timeout: 300,
      webhooks: [
        { kind: "json", url: failing.url },
        { kind: "slack", url: hanging.url },
        { kind: "json", urlEnv: "UNSET_WEBHOOK_URL" },
      ],
    };
    const sink = notifyingSink(inner, plan, { env: {} });
    const started = performance.now();
    journey.forEach(sink);
    // Fire-and-forget: emitting did not wait for any answer.
    expect(performance.now() - started).toBeLessThan(plan.timeout);
    await sink.flush();
    expect(performance.now() - started).toBeLessThan(2_000);

    const warnings = inner.events
      .filter((event) => event.type === "warning" && event.code === "NOTIFICATION_FAILED")
      .map((event) => (event as { message: string }).message);
    expect(warnings.sort()).toEqual([
      "webhook #1 (json): HTTP 500; the run goes on",
      "webhook #2 (slack): no answer within 0.3 s; the run goes on",
      "webhook #3 (json): UNSET_WEBHOOK_URL is not set; the run goes on",
    ]);
    expect(failing.bodies.length).toBe(5);
    expect(hanging.bodies.length).toBe(5);
    // The warning never carries the webhook URL (a credential).
    expect(JSON.stringify(inner.events)).not.toContain("127.0.0.1");
  });
});
