/**
 * The live terminal view of a run: phases with elapsed time, resources in
 * flight, the RTO clock with its projected finish, warnings. `renderLiveScreen`
 * is a pure renderer (snapshot in, text out); `createLiveView` turns events
 * into frames handed to a `draw` callback — index.ts decides where frames go
 * (log-update on a TTY) and when this view is used at all (TTY, CI unset).
 */
import pc from "picocolors";
import { formatDuration } from "../../automation/clock.js";
import type { DrEvent, EventSink } from "../../automation/events.js";
import { ProgressTracker, type PhaseProgress, type ProgressSnapshot } from "../../automation/progress.js";

export interface LiveScreenOptions {
  /** Terminal width; long lines are cut to it. */
  width?: number;
  color?: boolean;
  /** Most resources listed in flight (the rest are counted). */
  maxInFlight?: number;
  /** Formats an epoch time as a wall-clock time for the projected finish. */
  clockTime?: (epochMs: number) => string;
}

const BAR_WIDTH = 24;

function bar(fraction: number): string {
  const filled = Math.max(0, Math.min(BAR_WIDTH, Math.round(fraction * BAR_WIDTH)));
  return `${"█".repeat(filled)}${"░".repeat(BAR_WIDTH - filled)}`;
}

function wrap(line: string, width: number): string[] {
  const chars = [...line];
  const rows: string[] = [];
  for (let start = 0; start < chars.length; start += Math.max(1, width))
    rows.push(chars.slice(start, start + width).join(""));
  return rows.length ? rows : [""];
}

function cut(line: string, width: number): string {
  // Lines hold no escape codes when cut (colour is applied per field, after the width check).
  return [...line].length > width ? `${[...line].slice(0, Math.max(1, width - 1)).join("")}…` : line;
}

/** The screen for one snapshot. */
export function renderLiveScreen(snapshot: ProgressSnapshot, options: LiveScreenOptions = {}): string {
  const colors = pc.createColors(options.color ?? false);
  const width = options.width ?? 100;
  const maxInFlight = options.maxInFlight ?? 6;
  const clockTime = options.clockTime ?? ((epochMs: number) => new Date(epochMs).toTimeString().slice(0, 5));
  const lines: { text: string; paint?: (text: string) => string; wrap?: boolean }[] = [];
  const push = (text: string, paint?: (text: string) => string, wrap = false) => lines.push({ text, paint, wrap });

  const title = `dr-failover ${snapshot.journey ?? "run"} → ${snapshot.targetRegion ?? "?"}${snapshot.stackName ? `  stack ${snapshot.stackName}` : ""}${snapshot.emulator ? "  [EMULATOR REHEARSAL]" : ""}`;
  push(title, colors.bold);

  if (snapshot.downtime) {
    const { downtime } = snapshot;
    let line = `downtime ${formatDuration(downtime.elapsedMs)}${downtime.budgetMs === undefined ? "" : ` / ${formatDuration(downtime.budgetMs)}`}${downtime.ended ? " (write freeze → production healthy)" : ` since the write freeze at ${clockTime(downtime.startedMs)}`}`;
    if (downtime.projectedMs !== undefined) {
      line += `  projected ${formatDuration(downtime.projectedMs)} (healthy at ${clockTime(downtime.startedMs + downtime.projectedMs)})`;
    }
    const over = downtime.budgetMs !== undefined && (downtime.projectedMs ?? downtime.elapsedMs) > downtime.budgetMs;
    push(line, over ? colors.red : downtime.ended ? colors.green : colors.yellow);
  }
  // A failback's clock is its downtime: the RTO belongs to the failover.
  if (snapshot.budgetMs !== undefined && snapshot.journey !== "failback") {
    const fraction = snapshot.elapsedMs / snapshot.budgetMs;
    const head = snapshot.recoveredMs !== undefined ? "RTO recovered" : "RTO";
    let clock = `${head} ${formatDuration(snapshot.elapsedMs)} / ${formatDuration(snapshot.budgetMs)} — ${(fraction * 100).toFixed(1)} %  ${bar(fraction)}`;
    if (snapshot.projectedMs !== undefined && snapshot.incidentStartMs !== undefined) {
      clock += `  projected ${formatDuration(snapshot.projectedMs)} (finish ${clockTime(snapshot.incidentStartMs + snapshot.projectedMs)})`;
    }
    const over = (snapshot.projectedMs ?? snapshot.elapsedMs) > snapshot.budgetMs;
    push(clock, over ? colors.red : fraction > 0.75 ? colors.yellow : colors.green);
  }
  push("");

  const nameWidth = Math.max(12, ...snapshot.phases.map((phase) => phase.name.length + 1));
  for (const phase of snapshot.phases) push(phaseLine(phase, nameWidth), phasePaint(phase, colors));

  if (snapshot.inFlight.length) {
    push("");
    push(`in flight (${snapshot.inFlight.length}, ${snapshot.doneResources} done):`, colors.dim);
    const sorted = [...snapshot.inFlight].sort((a, b) => b.elapsedMs - a.elapsedMs);
    for (const item of sorted.slice(0, maxInFlight))
      push(`  ${item.op} ${item.resourceType} ${item.name}  ${formatDuration(item.elapsedMs)}`);
    if (sorted.length > maxInFlight) push(`  … and ${sorted.length - maxInFlight} more`, colors.dim);
  }
  if (snapshot.warnings.length) {
    push("");
    for (const warning of snapshot.warnings.slice(-5)) push(`⚠ ${warning.code}: ${warning.message}`, colors.yellow);
  }
  if (snapshot.finished) {
    push("");
    // The last lines stay on screen: they wrap, never cut, so every report path can be copied whole.
    const paint = snapshot.finished.ok ? colors.green : colors.red;
    push(snapshot.finished.ok ? "done:" : "FAILED:", paint);
    for (const path of snapshot.finished.reportPaths) push(`  ${path}`, paint, true);
  }
  return lines
    .flatMap((line) =>
      (line.wrap ? wrap(line.text, width) : [cut(line.text, width)]).map((text) => line.paint?.(text) ?? text),
    )
    .join("\n");
}

const MARKS: Record<PhaseProgress["status"], string> = { pending: "·", running: "▶", done: "✔", failed: "✖" };

function phaseLine(phase: PhaseProgress, nameWidth: number): string {
  const elapsed = phase.status === "pending" ? "" : formatDuration(phase.elapsedMs);
  const expected = phase.expectedMs !== undefined ? ` / expected ${formatDuration(phase.expectedMs)}` : "";
  const slow = phase.expectedMs !== undefined && phase.elapsedMs > phase.expectedMs ? "  SLOW" : "";
  return `  ${MARKS[phase.status]} ${phase.name.padEnd(nameWidth)}${elapsed}${phase.status === "pending" ? "" : expected}${slow}`.trimEnd();
}

function phasePaint(
  phase: PhaseProgress,
  colors: ReturnType<typeof pc.createColors>,
): ((text: string) => string) | undefined {
  if (phase.status === "failed" || (phase.expectedMs !== undefined && phase.elapsedMs > phase.expectedMs))
    return colors.red;
  if (phase.status === "running") return colors.cyan;
  if (phase.status === "done") return colors.green;
  return colors.dim;
}

export interface LiveViewOptions extends LiveScreenOptions {
  /** Replaces the previous frame (e.g. log-update). */
  draw(frame: string): void;
  /** Keeps the last frame on screen and ends the view. */
  done?(): void;
  now?: () => number;
  /** Redraw period for the ticking clocks. */
  intervalMs?: number;
}

/** An event sink that keeps a live view up to date; `stop()` draws the last frame and ends it. */
export function createLiveView(options: LiveViewOptions): EventSink & { stop(): void; snapshot(): ProgressSnapshot } {
  const tracker = new ProgressTracker(options.now);
  let stopped = false;
  const redraw = () => {
    if (!stopped) options.draw(renderLiveScreen(tracker.snapshot(), options));
  };
  const timer = setInterval(redraw, options.intervalMs ?? 1_000);
  timer.unref();
  const stop = () => {
    if (stopped) return;
    redraw();
    stopped = true;
    clearInterval(timer);
    options.done?.();
  };
  const sink = ((event: DrEvent) => {
    tracker.apply(event);
    redraw();
    if (event.type === "run-finished") stop();
  }) as EventSink & { stop(): void; snapshot(): ProgressSnapshot };
  sink.stop = stop;
  sink.snapshot = () => tracker.snapshot();
  return sink;
}
