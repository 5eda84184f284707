/**
 * Where a journey's events go, decided here only: a live view in an interactive terminal
 * (stdout a TTY, CI unset), else plain timestamped lines (no redraws) or NDJSON (--json);
 * then, when the plan has notifications, also to its webhooks. `close` ends the view and
 * waits briefly for webhook requests in flight.
 */
import type { EventSink } from "../../automation/events.js";
import type { Plan } from "../../automation/plan.js";
import { jsonRenderer } from "./json.js";
import { plainRenderer } from "./plain.js";

export async function eventSinkFor(
  json: boolean,
  plan: Plan,
): Promise<{ emit: EventSink; close: () => Promise<void> }> {
  let emit: EventSink = json ? jsonRenderer() : plainRenderer();
  let stopView: () => void = () => {};
  // A terminal of zero rows (e.g. a pseudo-terminal nobody sized) would show an empty frame: plain lines then.
  if (
    !json &&
    process.stdout.isTTY &&
    !process.env.CI &&
    process.env.TERM !== "dumb" &&
    (process.stdout.rows ?? 0) > 0
  ) {
    const { createLogUpdate } = await import("log-update");
    const { createLiveView } = await import("./live-view.js");
    const draw = createLogUpdate(process.stdout);
    const view = createLiveView({
      draw: (frame) => draw(frame),
      done: () => draw.done(),
      width: process.stdout.columns,
      color: true,
    });
    emit = view;
    stopView = () => view.stop();
  }
  if (!plan.notifications) return { emit, close: async () => stopView() };
  const { notifyingSink } = await import("../../automation/notify.js");
  const notifying = notifyingSink(emit, plan.notifications);
  return {
    emit: notifying,
    close: async () => {
      await notifying.flush();
      stopView();
    },
  };
}
