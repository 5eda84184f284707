/**
 * The HTML report in a real headless browser (Debian chromium driven by
 * playwright-core): no console errors, the budget and Gantt SVGs visible, one
 * bar per phase and resource, a screenshot. DR_FAILOVER_UPDATE_SCREENSHOT=1
 * refreshes the README's examples/report-screenshot.png.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderHtml } from "../../automation/report/html.js";
import { sampleReport } from "./fixtures.js";

const CHROMIUM = process.env.DR_FAILOVER_CHROMIUM ?? "/usr/bin/chromium";
let browser: Browser;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "dr-ux-browser-"));
  // chromium.launch gives the browser a new, empty --user-data-dir of its own (and refuses one passed in args).
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});
afterAll(async () => {
  await browser?.close();
  await rm(dir, { recursive: true, force: true });
});

async function open(html: string, name: string) {
  const path = join(dir, `${name}.html`);
  await writeFile(path, html);
  const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error" || message.type() === "warning")
      problems.push(`${message.type()}: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`pageerror: ${error.message}`));
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(`file://${path}`, { waitUntil: "load" });
  return { page, problems, requests };
}

describe("HTML report in a browser", () => {
  it("renders without console errors or network, with one visible Gantt bar per phase and resource", async () => {
    const report = sampleReport();
    const { page, problems, requests } = await open(renderHtml(report), "en");
    expect(problems).toEqual([]);
    expect(requests.filter((url) => !url.startsWith("file://"))).toEqual([]);
    await expect(page.locator("svg#timeline").isVisible()).resolves.toBe(true);
    await expect(page.locator("svg#budget").isVisible()).resolves.toBe(true);
    expect(await page.locator("svg#timeline rect.bar.phase").count()).toBe(
      report.spans.filter((span) => span.kind === "phase").length,
    );
    expect(await page.locator("svg#timeline rect.bar.resource").count()).toBe(
      report.spans.filter((span) => span.kind === "resource").length,
    );
    expect(await page.locator("svg#timeline rect.bar.critical").count()).toBe(4);
    // Every bar is laid out inside the chart with a real width.
    const boxes = await page
      .locator("svg#timeline rect.bar")
      .evaluateAll((rects) => rects.map((rect) => rect.getBoundingClientRect().width));
    expect(boxes.every((width) => width >= 2)).toBe(true);
    expect(await page.locator("#verification tr").count()).toBe(1 + report.verification.length);
    expect(await page.locator("#rto-card").textContent()).toContain("0:39:01 / 4:00:00");

    const png = await page.screenshot({ fullPage: true });
    expect(png.subarray(1, 4).toString()).toBe("PNG");
    if (process.env.DR_FAILOVER_UPDATE_SCREENSHOT)
      await writeFile(new URL("../../examples/report-screenshot.png", import.meta.url), png);
    await page.close();
  });

  it("renders the Japanese report too", async () => {
    const { page, problems } = await open(renderHtml(sampleReport(), { lang: "ja" }), "ja");
    expect(problems).toEqual([]);
    expect(await page.locator("h1").textContent()).toContain("DR訓練レポート");
    await expect(page.locator("svg#timeline").isVisible()).resolves.toBe(true);
    await page.close();
  });

  it("the README's screenshot exists and is a PNG", async () => {
    const png = await readFile(new URL("../../examples/report-screenshot.png", import.meta.url));
    expect(png.subarray(1, 4).toString()).toBe("PNG");
  });
});
