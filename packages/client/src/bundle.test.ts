import { expect, test } from "bun:test";
import { REPO_ROOT } from "@matchday/testkit/processes";

test("the client entry points bundle only the client, the shared error codes and Eden: no server code", async () => {
  const build = await Bun.build({
    entrypoints: ["wallet", "discount"].map((entry) => `${REPO_ROOT}packages/client/src/${entry}.ts`),
    target: "bun",
    metafile: true,
  });
  expect(build.success).toBe(true);
  const inputs = Object.keys(build.metafile?.inputs ?? {});
  expect(inputs).toContain("packages/client/src/wallet.ts");
  // The apps' types are imported for the compiler only: wallet/, discount/ and Elysia stay out.
  const foreign = inputs.filter(
    (path) =>
      !path.startsWith("packages/client/src/") &&
      path !== "packages/shared/src/errors.ts" &&
      !/node_modules\/@elysiajs\/eden\/dist\//.test(path),
  );
  expect(foreign).toEqual([]);
});
