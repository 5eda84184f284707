/**
 * Notifications: an event sink wrapper that posts the moments an on-call team
 * cares about (start, phase changes, production DNS switched, completion or
 * failure with the report summary) to Slack-compatible and generic JSON
 * webhooks. Fire-and-forget with a short timeout: a failing or hanging
 * webhook never slows or fails the journey. Payloads are built from an
 * allowlist of fields (names, durations, the report summary) — never messages,
 * outputs or configuration, so no secret can travel.
 */
import { formatDuration } from "./clock.js";
import { EVENT_SCHEMA_VERSION, type DrEvent, type EventSink, type ReportSummary } from "./events.js";
import type { Plan } from "./plan.js";

export type NotificationsPlan = NonNullable<Plan["notifications"]>;
type Webhook = NotificationsPlan["webhooks"][number];
type Topic = NonNullable<Webhook["events"]>[number];

export interface NotifyOptions {
  /** Where `urlEnv` is read; default process.env. */
  env?: Record<string, string | undefined>;
  fetch?: typeof fetch;
}

/** The generic JSON webhook's body. */
export interface NotificationPayload {
  schemaVersion: typeof EVENT_SCHEMA_VERSION;
  source: "dr-failover";
  time: string;
  /** Order of sending within the run (requests may arrive out of order). */
  sequence: number;
  run: { runId?: string; journey?: string; targetRegion?: string; stackName?: string; emulator?: boolean };
  event: DrEvent;
  summary?: ReportSummary;
}

function topicOf(event: DrEvent): Topic | undefined {
  switch (event.type) {
    case "run-started":
      return "start";
    case "phase-started":
    case "phase-finished":
      return "phase";
    case "dns-switched":
      return "dns";
    case "run-finished":
      return "finish";
    default:
      return undefined;
  }
}

/** Only these fields of an event leave the machine. */
function allowlisted(event: DrEvent): DrEvent | undefined {
  switch (event.type) {
    case "run-started":
      return {
        type: event.type,
        runId: event.runId,
        journey: event.journey,
        targetRegion: event.targetRegion,
        stackName: event.stackName,
        emulator: event.emulator,
        incidentStart: event.incidentStart,
        rtoBudgetMs: event.rtoBudgetMs,
      };
    case "phase-started":
      return { type: event.type, phase: event.phase };
    case "phase-finished":
      return { type: event.type, phase: event.phase, durationMs: event.durationMs, ok: event.ok };
    case "dns-switched":
      return { type: event.type, record: event.record, target: event.target };
    case "run-finished":
      // Report paths are local to this machine: not useful, not sent.
      return { type: event.type, runId: event.runId, ok: event.ok, reportPaths: [] };
    default:
      return undefined;
  }
}

/** The Slack-compatible message (`{ text, blocks }`) for one event. */
export function slackMessage(payload: NotificationPayload): { text: string; blocks?: unknown[] } {
  const { run, event } = payload;
  const who = `dr-failover ${run.journey ?? ""} → ${run.targetRegion ?? "?"}${run.emulator ? " (emulator rehearsal)" : ""}`;
  switch (event.type) {
    case "run-started":
      return {
        text: `:rotating_light: ${who} started (run ${event.runId}, stack ${event.stackName}, RTO budget ${formatDuration(event.rtoBudgetMs ?? 0)})`,
      };
    case "phase-started":
      return { text: `▶ ${who}: ${event.phase}` };
    case "phase-finished":
      return {
        text: `${event.ok ? "✔" : "✖"} ${who}: ${event.phase} ${event.ok ? "done" : "FAILED"} in ${formatDuration(event.durationMs)}`,
      };
    case "dns-switched":
      return { text: `:globe_with_meridians: ${who}: ${event.record} now points at ${event.target}` };
    case "run-finished": {
      const summary = payload.summary;
      const head = `${event.ok ? ":white_check_mark:" : ":x:"} ${who} ${event.ok ? "succeeded" : "FAILED"}${summary?.errorCode ? ` (${summary.errorCode})` : ""}`;
      if (!summary) return { text: head };
      const fields = [
        summary.rtoAchievedMs !== undefined
          ? `*RTO* ${formatDuration(summary.rtoAchievedMs)} / ${formatDuration(summary.rtoMs)} (${summary.rtoPercentOfBudget} %) ${summary.rtoMet ? "met" : "MISSED"}`
          : `*RTO* not reached / ${formatDuration(summary.rtoMs)}`,
        summary.dataLossWindowMs !== undefined
          ? `*RPO* ${formatDuration(summary.dataLossWindowMs)} / ${formatDuration(summary.rpoMs)} ${summary.rpoMet ? "met" : "MISSED"}`
          : `*RPO* — / ${formatDuration(summary.rpoMs)}`,
        `*Verification* ${summary.verification.passed} passed, ${summary.verification.failed} failed`,
        `*Warnings* ${summary.warnings.length ? summary.warnings.join(", ") : "none"}`,
      ];
      return {
        text: `${head} — ${fields.map((field) => field.replace(/\*/g, "")).join("; ")}`,
        blocks: [
          { type: "section", text: { type: "mrkdwn", text: head } },
          { type: "section", fields: fields.map((text) => ({ type: "mrkdwn", text })) },
        ],
      };
    }
    default:
      return { text: who };
  }
}

export interface NotifyingSink extends EventSink {
  /** Waits (at most `timeoutMs`) for the requests in flight. */
  flush(timeoutMs?: number): Promise<void>;
}

/** Wraps `inner`: every event goes to it first, the notable ones also to the webhooks. */
export function notifyingSink(
  inner: EventSink,
  notifications: NotificationsPlan,
  options: NotifyOptions = {},
): NotifyingSink {
  const env = options.env ?? process.env;
  const send = options.fetch ?? fetch;
  const pending = new Set<Promise<void>>();
  const run: NotificationPayload["run"] = {};
  const complained = new Set<number>();
  let sequence = 0;

  const warn = (index: number, message: string) => {
    // One warning per webhook: a dead endpoint is said once, not at every phase.
    if (complained.has(index)) return;
    complained.add(index);
    inner({
      type: "warning",
      code: "NOTIFICATION_FAILED",
      message: `webhook #${index + 1} (${notifications.webhooks[index].kind}): ${message}; the run goes on`,
    });
  };

  const post = (index: number, hook: Webhook, body: unknown) => {
    const url = hook.url ?? (hook.urlEnv ? env[hook.urlEnv] : undefined);
    if (!url) return warn(index, `${hook.urlEnv} is not set`);
    const request = (async () => {
      try {
        const response = await send(url, {
          method: "POST",
          headers: { "content-type": "application/json", "user-agent": "dr-failover" },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(notifications.timeout),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) warn(index, `HTTP ${response.status}`);
      } catch (error) {
        // Never the URL: it is a credential.
        warn(
          index,
          error instanceof Error && error.name === "TimeoutError"
            ? `no answer within ${notifications.timeout / 1000} s`
            : `request failed (${error instanceof Error ? error.name : "error"})`,
        );
      }
    })();
    pending.add(request);
    void request.finally(() => pending.delete(request));
  };

  const sink = ((event: DrEvent) => {
    inner(event);
    if (event.type === "run-started")
      Object.assign(run, {
        runId: event.runId,
        journey: event.journey,
        targetRegion: event.targetRegion,
        stackName: event.stackName,
        emulator: event.emulator,
      });
    const topic = topicOf(event);
    const safe = allowlisted(event);
    if (!topic || !safe) return;
    sequence += 1;
    const payload: NotificationPayload = {
      schemaVersion: EVENT_SCHEMA_VERSION,
      source: "dr-failover",
      time: new Date().toISOString(),
      sequence,
      run: { ...run },
      event: safe,
      summary: event.type === "run-finished" ? event.summary : undefined,
    };
    notifications.webhooks.forEach((hook, index) => {
      if (hook.events && !hook.events.includes(topic)) return;
      post(index, hook, hook.kind === "slack" ? slackMessage(payload) : payload);
    });
  }) as NotifyingSink;

  sink.flush = async (timeoutMs = notifications.timeout + 500) => {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...pending]),
      new Promise((resolve) => (timer = setTimeout(resolve, timeoutMs))),
    ]);
    clearTimeout(timer);
  };
  return sink;
}
