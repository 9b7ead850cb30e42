import { expect, test } from "bun:test";
import { REPO_ROOT } from "@matchday/testkit/processes";

test("the client entry points bundle only the client's own files: no server code, no dependencies", async () => {
  const build = await Bun.build({
    entrypoints: ["wallet", "discount"].map((entry) => `${REPO_ROOT}packages/client/src/${entry}.ts`),
    target: "bun",
    metafile: true,
  });
  expect(build.success).toBe(true);
  const inputs = Object.keys(build.metafile?.inputs ?? {});
  expect(inputs).toContain("packages/client/src/wallet.ts");
  // What the package ships must run alone: nothing from the services, the workspace or node_modules.
  const foreign = inputs.filter((path) => !path.startsWith("packages/client/src/"));
  expect(foreign).toEqual([]);
});
