import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { planJsonSchema } from "../../automation/plan.js";
import { planReferenceMarkdown, REGENERATE_COMMAND } from "../../automation/plan-reference.js";

const root = new URL("../..", import.meta.url);
const referencePath = fileURLToPath(new URL("docs/plan-reference.md", root));
const schemaPath = fileURLToPath(new URL("examples/dr-plan.schema.json", root));
/** UPDATE_DOCS=1 writes the generated files instead of comparing them. */
const updating = process.env.UPDATE_DOCS === "1";

function readOrUndefined(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

function write(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

type Node = Record<string, unknown>;
const isNode = (value: unknown): value is Node => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Paths (as in the reference: `targets.<region>.database.subnetGroup`) of the
 * schema's fields without a description: every property, every map entry
 * (additionalProperties) and every list item that is an object.
 */
function undocumented(node: Node, path: string): string[] {
  const missing: string[] = [];
  const check = (child: Node, childPath: string) => {
    if (typeof child.description !== "string" || child.description.trim() === "") missing.push(childPath);
    missing.push(...undocumented(child, childPath));
  };
  if (isNode(node.properties)) {
    for (const [name, child] of Object.entries(node.properties))
      if (isNode(child)) check(child, path ? `${path}.${name}` : name);
  }
  if (isNode(node.additionalProperties)) {
    const key =
      isNode(node.propertyNames) && typeof node.propertyNames.title === "string" ? node.propertyNames.title : "key";
    check(node.additionalProperties, `${path}.<${key}>`);
  }
  if (isNode(node.items)) {
    if (isNode(node.items.properties)) check(node.items, `${path}[]`);
    else missing.push(...undocumented(node.items, `${path}[]`));
  }
  for (const branch of Array.isArray(node.anyOf) ? node.anyOf : [])
    if (isNode(branch)) missing.push(...undocumented(branch, path));
  return missing;
}

describe("the plan reference", () => {
  it("describes every field of the plan's JSON Schema", () => {
    const schema = planJsonSchema();
    expect(isNode(schema) && isNode(schema.properties) && Object.keys(schema.properties).length).toBeGreaterThan(5);
    const missing = undocumented(schema as Node, "");
    expect(missing, `fields of PlanSchema (automation/plan.ts) without .describe(): ${missing.join(", ")}`).toEqual([]);
  });

  it("docs/plan-reference.md is generated from the schema", () => {
    const expected = planReferenceMarkdown();
    if (updating) write(referencePath, expected);
    const committed = readOrUndefined(referencePath);
    expect(committed, `docs/plan-reference.md is out of date with automation/plan.ts: run ${REGENERATE_COMMAND}`).toBe(
      expected,
    );
  });

  // The content is pinned by test/unit/plan.test.ts (parsed, so any formatting passes there);
  // this keeps the file in the format UPDATE_DOCS writes, and regenerates it with the reference.
  it("examples/dr-plan.schema.json is written as JSON.stringify(schema, null, 2) with a final newline", () => {
    if (updating) write(schemaPath, `${JSON.stringify(planJsonSchema(), null, 2)}\n`);
    const committed = readOrUndefined(schemaPath);
    expect(committed, `examples/dr-plan.schema.json is missing: run ${REGENERATE_COMMAND}`).toBeDefined();
    expect(committed, `examples/dr-plan.schema.json is not in its generated format: run ${REGENERATE_COMMAND}`).toBe(
      `${JSON.stringify(JSON.parse(committed!), null, 2)}\n`,
    );
  });
});
