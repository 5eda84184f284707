/**
 * docs/plan-reference.md, rendered from the plan's JSON Schema (itself generated
 * from the zod schema in plan.ts, descriptions included), so the reference and
 * the editor help cannot drift apart: test/unit/plan-reference.test.ts compares
 * the committed file with this output.
 */
import { planJsonSchema } from "./plan.js";

/** The part of JSON Schema that z.toJSONSchema emits for the plan. */
interface JsonSchema {
  type?: string | string[];
  title?: string;
  description?: string;
  const?: unknown;
  enum?: unknown[];
  default?: unknown;
  format?: string;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  minItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  propertyNames?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
}

export const REGENERATE_COMMAND = "UPDATE_DOCS=1 npm run test:unit -- test/unit/plan-reference.test.ts";

interface Row {
  path: string;
  schema: JsonSchema;
  /** undefined: an entry of a map or list, where required/optional does not apply. */
  required?: boolean;
}

const isSchema = (value: unknown): value is JsonSchema =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** The key placeholder of a map: `<region>` from its propertyNames' title. */
function keyPlaceholder(schema: JsonSchema): string {
  return `<${schema.propertyNames?.title ?? "key"}>`;
}

/** The rows below one field: its properties, its map entries and its list items that are objects. */
function childRows(schema: JsonSchema, path: string): Row[] {
  const rows: Row[] = [];
  for (const [name, child] of Object.entries(schema.properties ?? {})) {
    const childPath = `${path}.${name}`;
    rows.push({ path: childPath, schema: child, required: schema.required?.includes(name) ?? false });
    rows.push(...childRows(child, childPath));
  }
  if (isSchema(schema.additionalProperties)) {
    const entryPath = `${path}.${keyPlaceholder(schema)}`;
    rows.push({ path: entryPath, schema: schema.additionalProperties });
    rows.push(...childRows(schema.additionalProperties, entryPath));
  }
  if (schema.items?.properties) {
    const itemPath = `${path}[]`;
    rows.push({ path: itemPath, schema: schema.items });
    rows.push(...childRows(schema.items, itemPath));
  }
  for (const branch of schema.anyOf ?? []) rows.push(...childRows(branch, path));
  return rows;
}

function literal(value: unknown): string {
  return JSON.stringify(value);
}

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return literal(schema.const);
  if (schema.enum) return schema.enum.map(literal).join(" | ");
  if (schema.anyOf) return schema.anyOf.map(typeOf).join(" | ");
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : ["any"];
  if (types.length > 1) return types.join(" | ");
  const [type] = types;
  if (type === "array" && schema.items) {
    const item = typeOf(schema.items);
    return `${item.includes(" ") ? `(${item})` : item}[]`;
  }
  if (type === "object" && !schema.properties && isSchema(schema.additionalProperties)) {
    return `map ${keyPlaceholder(schema)} → ${typeOf(schema.additionalProperties)}`;
  }
  return type;
}

/** Bounds the JSON Schema states outright (formats and patterns are in the descriptions). */
function constraintsOf(schema: JsonSchema): string[] {
  const notes: string[] = [];
  // zod bounds every .int() by the safe integers: not worth a mention.
  const minimum = schema.minimum === Number.MIN_SAFE_INTEGER ? undefined : schema.minimum;
  const maximum = schema.maximum === Number.MAX_SAFE_INTEGER ? undefined : schema.maximum;
  if (minimum !== undefined && maximum !== undefined) notes.push(`${minimum}–${maximum}`);
  else if (minimum !== undefined) notes.push(`≥ ${minimum}`);
  else if (maximum !== undefined) notes.push(`≤ ${maximum}`);
  if (schema.exclusiveMinimum !== undefined) notes.push(`> ${schema.exclusiveMinimum}`);
  if (schema.minLength !== undefined)
    notes.push(schema.minLength === 1 ? "non-empty" : `at least ${schema.minLength} characters`);
  if (schema.minItems !== undefined) notes.push(`at least ${schema.minItems}`);
  if (schema.format === "uri") notes.push("URL");
  return notes;
}

function typeCell(schema: JsonSchema): string {
  const notes = constraintsOf(schema);
  return `\`${typeOf(schema)}\`${notes.length ? ` (${notes.join(", ")})` : ""}`;
}

function requiredCell(row: Row): string {
  if (row.required === undefined) return "—";
  if (row.required) return "required";
  if (row.schema.default !== undefined) return `default \`${literal(row.schema.default)}\``;
  return "optional";
}

/** Table cells: no line breaks, and a pipe would end the cell (even inside a code span). */
function cell(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
}

/** Descriptions are plain text (editors show them as such): `<run>` must not become an HTML tag, `*` no emphasis. */
function prose(text: string): string {
  return cell(text.replace(/[\\`*<>[\]]/g, "\\$&"));
}

/** The plan reference in Markdown: one section per top-level key, one table row per field. */
export function planReferenceMarkdown(): string {
  const root = planJsonSchema() as JsonSchema;
  const intro =
    `${prose(root.description ?? "")} Every field of a plan file (example: [examples/peoplebooster.yaml](../examples/peoplebooster.yaml); ` +
    "JSON Schema for editors: [examples/dr-plan.schema.json](../examples/dr-plan.schema.json)). " +
    "This file is generated from the plan's zod schema in automation/plan.ts: do not edit it by hand; " +
    `regenerate it with \`${REGENERATE_COMMAND}\`.`;
  const lines = ["# DR plan reference", "", intro.trim()];
  for (const [key, schema] of Object.entries(root.properties ?? {})) {
    const rows: Row[] = [
      { path: key, schema, required: root.required?.includes(key) ?? false },
      ...childRows(schema, key),
    ];
    lines.push("", `## \`${key}\``, "", "| Field | Type | Required / default | Description |", "|---|---|---|---|");
    for (const row of rows) {
      lines.push(
        `| \`${row.path}\` | ${cell(typeCell(row.schema))} | ${requiredCell(row)} | ${prose(row.schema.description ?? "")} |`,
      );
    }
  }
  return `${lines.join("\n")}\n`;
}
