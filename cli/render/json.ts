/** --json: one JSON object per line (NDJSON) on stdout, each with the schema version (docs/events.md). */
import { EVENT_SCHEMA_VERSION, type DrEvent } from "../../automation/events.js";
import { out } from "./output.js";

/** Prints one JSON line; every line the program prints under --json goes through here. */
export function outJson(value: { type: string } & Record<string, unknown>): void {
  out(JSON.stringify({ schemaVersion: EVENT_SCHEMA_VERSION, ...value }));
}

export function jsonRenderer(): (event: DrEvent) => void {
  return (event) => outJson({ time: new Date().toISOString(), ...event });
}
