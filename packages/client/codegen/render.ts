/**
 * Renders a service's OpenAPI document as the TypeScript route table the client is typed by, so
 * the published package carries its own types instead of importing the services' source.
 */

type Schema = {
  type?: string | string[];
  const?: unknown;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  items?: Schema;
  properties?: Record<string, Schema>;
  required?: string[];
  description?: string;
};
type Parameter = { name: string; in: "path" | "query" | "header" | "cookie"; required?: boolean; schema: Schema };
type Operation = {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema?: Schema }> }>;
};
export type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

/** Served by each app beside its API (probes, metrics, docs): not the client's business. */
const NOT_API = /^\/(health|ready|metrics|docs)\b/;
const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

const key = (name: string) => (IDENTIFIER.test(name) ? name : JSON.stringify(name));
const comment = (text: string | undefined) => (text ? `/** ${text.replaceAll("*/", "* /")} */\n` : "");

function union(types: string[]): string {
  const unique = [...new Set(types)];
  return unique.length === 0 ? "never" : unique.join(" | ");
}

function member(name: string, schema: Schema, required: boolean): string {
  return `${comment(schema.description)}${key(name)}${required ? "" : "?"}: ${typeOf(schema)};`;
}

function objectOf(schema: Schema): string {
  const properties = Object.entries(schema.properties ?? {});
  // A TypeBox Record (patternProperties) or a free-form object: its keys are the caller's.
  if (properties.length === 0) return "Record<string, unknown>";
  const required = new Set(schema.required ?? []);
  return `{\n${properties.map(([name, value]) => member(name, value, required.has(name))).join("\n")}\n}`;
}

function singleType(type: string, schema: Schema): string {
  switch (type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array": {
      const item = typeOf(schema.items ?? {});
      return item.includes(" | ") ? `(${item})[]` : `${item}[]`;
    }
    case "object":
      return objectOf(schema);
    default:
      throw new Error(`Unsupported JSON Schema type: ${type}`);
  }
}

/** One JSON Schema as a TypeScript type: only the keywords that change the shape, not the checks. */
export function typeOf(schema: Schema): string {
  if ("const" in schema) return JSON.stringify(schema.const);
  if (schema.enum) return union(schema.enum.map((value) => JSON.stringify(value)));
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) return union(alternatives.map(typeOf));
  if (Array.isArray(schema.type)) return union(schema.type.map((type) => singleType(type, schema)));
  if (schema.type) return singleType(schema.type, schema);
  if (schema.properties) return objectOf(schema);
  return "unknown";
}

function parametersIn(operation: Operation, place: Parameter["in"]): string | undefined {
  const parameters = (operation.parameters ?? []).filter((p) => p.in === place);
  if (parameters.length === 0) return undefined;
  return `{\n${parameters.map((p) => member(p.name, p.schema, p.required === true)).join("\n")}\n}`;
}

/** The 2xx answers by status: a JSON body's type, or `unknown` for a stream or an empty answer. */
function successes(operation: Operation): string {
  const answers = Object.entries(operation.responses ?? {}).filter(([status]) => /^2\d\d$/.test(status));
  const lines = answers.map(([status, answer]) => {
    const schema = answer.content?.["application/json"]?.schema;
    return `${status}: ${schema ? typeOf(schema) : "unknown"};`;
  });
  return `{\n${lines.join("\n")}\n}`;
}

function route(method: string, path: string, operation: Operation): string {
  const body = operation.requestBody?.content?.["application/json"]?.schema;
  const parts = [
    ["params", parametersIn(operation, "path")],
    ["query", parametersIn(operation, "query")],
    ["headers", parametersIn(operation, "header")],
    [operation.requestBody?.required ? "body" : "body?", body && typeOf(body)],
    ["responses", successes(operation)],
  ].filter((part): part is [string, string] => part[1] !== undefined);
  const name = `${method.toUpperCase()} ${path.replace(/\/$/, "")}`;
  return `${JSON.stringify(name)}: {\n${parts.map(([k, v]) => `${k}: ${v};`).join("\n")}\n};`;
}

/** The whole table: `"METHOD /path/{param}"` to its params, query, headers, body and 2xx answers. */
export function renderRoutes(typeName: string, service: string, document: OpenApiDocument): string {
  const routes = Object.entries(document.paths)
    .filter(([path]) => !NOT_API.test(path))
    .flatMap(([path, operations]) =>
      Object.entries(operations).map(([method, operation]) => route(method, path, operation)),
    );
  return [
    `// Generated from the ${service} service's OpenAPI document by packages/client/codegen/generate.ts.`,
    "// Do not edit: run `bun packages/client/codegen/generate.ts`; api-types.test.ts fails when it is stale.",
    "",
    `export interface ${typeName} {`,
    ...routes,
    "}",
    "",
  ].join("\n");
}
