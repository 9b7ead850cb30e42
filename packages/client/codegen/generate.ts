/** `bun packages/client/codegen/generate.ts`: rewrites src/generated/ from the apps' OpenAPI documents. */
import { renderedRouteFiles } from "./sources";

for (const { path, text } of await renderedRouteFiles()) {
  await Bun.write(path, text);
  console.log(`wrote ${path}`);
}
process.exit(0);
