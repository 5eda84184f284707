/**
 * Values as the Pulumi engine sends them to a provider (after
 * `Struct.toJavaScript()`): secrets, unknowns (during preview), resource
 * references and output values use special signature keys.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { parseUrn } from "../../automation/vocabulary.js";

export const SPECIAL_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
export const RESOURCE_REF_SIG = "5cf8f73096256a8f31e491e813e4eb8e";
export const OUTPUT_VALUE_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Property bags as the engine sends them: any JSON-like value, read field by field by each handler. */
// biome-ignore lint/suspicious/noExplicitAny: engine values are untyped JSON; each handler reads the fields it knows
export type Props = Record<string, any>;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function isSecret(value: unknown): value is { value: unknown } {
  return isPlainObject(value) && value[SPECIAL_SIG_KEY] === SECRET_SIG;
}

export function makeSecret(value: unknown): Props {
  return { [SPECIAL_SIG_KEY]: SECRET_SIG, value };
}

/** True when the value is, or contains, an unknown (preview) value. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (isPlainObject(value)) {
    if (value[SPECIAL_SIG_KEY] === OUTPUT_VALUE_SIG) return !("value" in value) || containsUnknown(value.value);
    return Object.values(value).some(containsUnknown);
  }
  return false;
}

/** Strips secret/output wrappers and turns resource references into their id. */
// biome-ignore lint/suspicious/noExplicitAny: engine values are untyped JSON (see Props)
export function unwrap(value: any): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (isPlainObject(value)) {
    const sig = value[SPECIAL_SIG_KEY];
    if (sig === SECRET_SIG) return unwrap(value.value);
    if (sig === OUTPUT_VALUE_SIG) return "value" in value ? unwrap(value.value) : UNKNOWN;
    if (sig === RESOURCE_REF_SIG) return value.id !== undefined && value.id !== "" ? unwrap(value.id) : value.urn;
    const result: Props = {};
    for (const [key, inner] of Object.entries(value)) result[key] = unwrap(inner);
    return result;
  }
  return value;
}

/** Treats null, "", [] and {} as absent (the bridge's "zero value" view). */
export function isEmpty(value: unknown): boolean {
  if (value === undefined || value === null || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (isPlainObject(value)) return Object.keys(value).length === 0;
  return false;
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (isEmpty(a) && isEmpty(b)) return true;
  if (typeof a === "number" || typeof b === "number") {
    // ports etc. may travel as strings in some paths
    if ((typeof a === "number" || typeof a === "string") && (typeof b === "number" || typeof b === "string")) {
      return String(a) === String(b);
    }
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, index) => deepEqual(item, b[index]));
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!deepEqual(a[key], b[key])) return false;
    return true;
  }
  return a === b;
}

/** Drops undefined/null values (so SDK requests stay minimal). */
export function compact<T extends Props>(value: T): T {
  const result: Props = {};
  for (const [key, inner] of Object.entries(value)) if (inner !== undefined && inner !== null) result[key] = inner;
  return result as T;
}

/** The logical name of a resource from its URN. */
export function urnName(urn: string): string {
  return parseUrn(urn).name;
}

export function urnType(urn: string): string {
  return parseUrn(urn).type;
}

export function randomHex(length: number): string {
  let out = "";
  while (out.length < length) out += Math.floor(Math.random() * 16).toString(16);
  return out;
}

/** Tags map → AWS `[{Key, Value}]`. */
export function toTagList(tags: unknown): { Key: string; Value: string }[] | undefined {
  if (!isPlainObject(tags) || Object.keys(tags).length === 0) return undefined;
  return Object.entries(tags).map(([Key, Value]) => ({ Key, Value: String(Value ?? "") }));
}

/** AWS `[{Key, Value}]` → tags map. */
export function fromTagList(tags: { Key?: string; Value?: string }[] | undefined): Record<string, string> {
  const result: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.Key !== undefined) result[tag.Key] = tag.Value ?? "";
  return result;
}

export function tagDelta(
  olds: unknown,
  news: unknown,
): { set: Record<string, string>; removed: string[]; changed: boolean } {
  const o = (isPlainObject(olds) ? olds : {}) as Record<string, string>;
  const n = (isPlainObject(news) ? news : {}) as Record<string, string>;
  const set: Record<string, string> = {};
  for (const [key, value] of Object.entries(n)) if (o[key] !== value) set[key] = String(value);
  const removed = Object.keys(o).filter((key) => !(key in n));
  return { set, removed, changed: Object.keys(set).length > 0 || removed.length > 0 };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The engine's deadline for the create/update being served (its customTimeouts,
 * sent as CreateRequest/UpdateRequest.timeout; see configure-patch.ts), as the
 * real provider honours it; undefined when none was set.
 */
export const operationDeadline = new AsyncLocalStorage<{ deadline: number; timeoutMs: number } | undefined>();

/** Milliseconds left before the engine's deadline, if it set one. */
export function operationTimeLeftMs(): number | undefined {
  const store = operationDeadline.getStore();
  return store === undefined ? undefined : Math.max(0, store.deadline - Date.now());
}

/** The engine's timeout for the operation being served (as customTimeouts gave it), if any. */
export function operationTimeoutMs(): number | undefined {
  return operationDeadline.getStore()?.timeoutMs;
}

/**
 * Upstream's `d.HasChangesExcept(...except)`: whether any input other than those
 * differs between the stored state and the new inputs (an input left out keeps
 * its value).
 */
export function changesExcept(olds: Props, news: Props, props: Iterable<string>, except: readonly string[]): boolean {
  for (const key of props) {
    if (except.includes(key) || news[key] === undefined) continue;
    if (!deepEqual(olds[key], news[key])) return true;
  }
  return false;
}

/** Polls until `probe` returns a value (not undefined) or the timeout expires. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const timeoutMs = Math.min(options.timeoutMs, operationTimeLeftMs() ?? Infinity);
  const deadline = Date.now() + timeoutMs;
  let interval = options.intervalMs ?? 250;
  for (;;) {
    const result = await probe();
    if (result !== undefined) return result;
    if (Date.now() >= deadline) throw new Error(`timeout while waiting for ${what} (${Math.round(timeoutMs / 1000)}s)`);
    await sleep(interval);
    interval = Math.min(interval * 2, 5000);
  }
}

/** Name of an AWS SDK v3 error (e.g. "DBInstanceNotFound"). */
export function awsErrorName(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as { name?: string; Code?: string; code?: string };
    return e.name ?? e.Code ?? e.code ?? "";
  }
  return "";
}

export function debug(message: string): void {
  if (process.env.DR_STANDIN_DEBUG) process.stderr.write(`[aws-standin] ${message}\n`);
}
