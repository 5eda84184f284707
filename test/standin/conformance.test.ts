/**
 * The stand-in's declared behaviour against upstream, row by row
 * (conformance-table.ts, the data of SPEC.md's conformance tables), through
 * the provider's own Check and Diff (pure: no AWS):
 *
 * - ForceNew: changing the input replaces exactly when upstream's ForceNew does.
 * - Computed: leaving the input out keeps the state value exactly when upstream's
 *   Optional+Computed does (a Pulumi-autonamed name keeps its name too, as the bridge does).
 * - Required: a missing top-level input fails Check exactly when upstream requires it.
 *
 * Not covered here: what Read refreshes (needs AWS; the standin/*.test.ts files
 * against moto), validation, defaults, the invoke and the provider configuration rows.
 *
 * The few rows where the stand-in knowingly differs (each with its reason in
 * KNOWN_DEVIATIONS, and in SPEC.md) run as `it.fails`: the change that makes
 * one match turns it red here, and its entry is then removed.
 */
import { describe, expect, it } from "vitest";
import { RESOURCE_HANDLERS, StandinProvider } from "../../emulator/aws-standin/provider.js";
import { CONFORMANCE, type ConformanceRow } from "./conformance-table.js";

/** `<token> <input>:<property checked>` where the stand-in knowingly differs from upstream, and why. */
const KNOWN_DEVIATIONS = new Map([
  [
    "aws:rds/instance:Instance identifier:forceNew",
    "STRICTER: upstream renames in place (ModifyDBInstance NewDBInstanceIdentifier, with the db-… resource id as the id); the stand-in keys instances by identifier and replaces",
  ],
  [
    "aws:lb/listener:Listener defaultActions[].order:computed",
    "same values, other path: upstream keeps the state's order when the input leaves it out; the stand-in's Check fills index + 1, which is what create sends and Read returns",
  ],
]);

const provider = new StandinProvider({
  config: { region: "ap-northeast-3", endpoints: {}, accessKey: "test", secretKey: "test", s3UsePathStyle: true },
});
const handlers = new Map(RESOURCE_HANDLERS.map((handler) => [handler.token, handler]));
const urnOf = (token: string) => `urn:pulumi:conformance::dr-failover::${token}::subject`;

/** A stored state as the engine has it: an autonamed resource has its name (else Check would make a new one). */
const stateOf = (row: ConformanceRow, props: Record<string, unknown>) => {
  const name = handlers.get(row.token)?.autoname?.prop;
  return name ? { [name]: "subject-1234567", ...props } : props;
};

/** The row's input: the top-level property, and the nested field (`block.field`, `list[].field`) if any. */
function pathOf(row: ConformanceRow): { top: string; field?: string; list: boolean } {
  const [first, field] = row.input.split(".");
  const list = first.endsWith("[]");
  return { top: list ? first.slice(0, -2) : first, field, list };
}

/** The top-level value holding `leaf` at the row's path; `others` are sibling fields of a nested block. */
function inputAt(row: ConformanceRow, leaf: unknown, others: Record<string, unknown> = {}): unknown {
  const { field, list } = pathOf(row);
  if (!field) return leaf;
  const block = leaf === undefined ? { ...others } : { ...others, [field]: leaf };
  return list ? [block] : block;
}

async function replacesOnChange(row: ConformanceRow): Promise<boolean> {
  const urn = urnOf(row.token);
  const { top } = pathOf(row);
  const olds = stateOf(row, { [top]: inputAt(row, "conformance-a") });
  const { inputs } = await provider.check(urn, olds, { [top]: inputAt(row, "conformance-b") });
  const diff = await provider.diff("id", urn, olds, inputs);
  return (diff.replaces ?? []).includes(top);
}

/** Leaves the input out (a nested field: out of a block that is still there, as a config would) and diffs. */
async function diffsWhenLeftOut(row: ConformanceRow): Promise<boolean> {
  const urn = urnOf(row.token);
  const { top, field } = pathOf(row);
  const others = { other: "kept" };
  const olds = stateOf(row, { [top]: inputAt(row, "conformance-a", others) });
  const name = handlers.get(row.token)?.autoname?.prop;
  const news = {
    ...(name && name !== top ? { [name]: olds[name] } : {}),
    ...(field ? { [top]: inputAt(row, undefined, others) } : {}),
  };
  const { inputs } = await provider.check(urn, olds, news);
  return Boolean((await provider.diff("id", urn, olds, inputs)).changes);
}

async function failsCheckWhenMissing(row: ConformanceRow): Promise<boolean> {
  const { failures } = await provider.check(urnOf(row.token), {}, {});
  return (failures ?? []).some((failure) => failure.property === row.input);
}

const resourceRows = CONFORMANCE.filter((row) => handlers.has(row.token));

/** One check per row and property: `it` when it must match, `it.fails` for a known deviation. */
function conformance(row: ConformanceRow, property: string, title: string, check: () => Promise<void>) {
  const deviation = KNOWN_DEVIATIONS.get(`${row.token} ${row.input}:${property}`);
  (deviation ? it.fails : it)(`${deviation ? `[known deviation: ${deviation}] ` : ""}${title}`, check);
}

describe("the stand-in against upstream terraform-provider-aws, row by row", () => {
  it("covers every resource type the table names, and every row's input is a declared property", () => {
    const tokens = new Set(resourceRows.map((row) => row.token));
    expect([...tokens].sort()).toEqual(
      [...handlers.keys()].filter((token) => CONFORMANCE.some((row) => row.token === token)).sort(),
    );
    for (const row of resourceRows) {
      const { top } = pathOf(row);
      expect(Object.keys(handlers.get(row.token)!.props), `${row.token} ${row.input}`).toContain(top);
    }
    expect(resourceRows.length).toBeGreaterThan(70);
  });

  for (const row of resourceRows) {
    const where = `${row.token} ${row.input} (${row.source.split(":")[0]})`;
    const handler = handlers.get(row.token)!;
    const nested = pathOf(row).field !== undefined;
    // Every input of a task definition is ForceNew upstream (but tags): the stand-in replaces on any change.
    conformance(row, "forceNew", `${where}: a change ${row.forceNew ? "replaces" : "updates in place"}`, async () => {
      expect(await replacesOnChange(row)).toBe(row.forceNew);
    });
    const autonamed = handler.autoname?.prop === row.input;
    const keeps = row.computed || autonamed;
    conformance(
      row,
      "computed",
      `${where}: left out, it ${keeps ? `keeps the state value${autonamed && !row.computed ? " (Pulumi autonaming)" : ""}` : "diffs"}`,
      async () => {
        expect(await diffsWhenLeftOut(row)).toBe(!keeps);
      },
    );
    if (!nested && !autonamed) {
      conformance(row, "required", `${where}: ${row.required ? "required" : "optional"} at Check`, async () => {
        expect(await failsCheckWhenMissing(row)).toBe(Boolean(row.required));
      });
    }
  }
});
