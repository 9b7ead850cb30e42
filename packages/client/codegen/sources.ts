import { startDiscountWithoutWallet } from "@matchday/testkit/discount";
import { REPO_ROOT } from "@matchday/testkit/processes";
import { startWalletInProcess } from "@matchday/testkit/wallet";
import { type OpenApiDocument, renderRoutes } from "./render";

export const GENERATED_DIR = `${REPO_ROOT}packages/client/src/generated/`;

/** Formats as `bun run lint` wants it, so a generated file passes lint and compares byte for byte. */
async function formatted(path: string, text: string): Promise<string> {
  const biome = Bun.spawn([`${REPO_ROOT}node_modules/.bin/biome`, "format", `--stdin-file-path=${path}`], {
    cwd: REPO_ROOT,
    stdin: new Blob([text]),
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    biome.exited,
    new Response(biome.stdout).text(),
    new Response(biome.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`biome could not format ${path}: ${err}`);
  return out;
}

/** Each generated file as the real apps' OpenAPI documents make it today. */
export async function renderedRouteFiles(): Promise<{ path: string; text: string }[]> {
  const [wallet, discount] = await Promise.all([startWalletInProcess(), startDiscountWithoutWallet()]);
  try {
    const documentOf = async (url: string) => (await (await fetch(`${url}/docs/json`)).json()) as OpenApiDocument;
    const files = [
      {
        path: `${GENERATED_DIR}wallet-routes.ts`,
        text: renderRoutes("WalletRoutes", "wallet", await documentOf(wallet.url)),
      },
      {
        path: `${GENERATED_DIR}discount-routes.ts`,
        text: renderRoutes("DiscountRoutes", "discount", await documentOf(discount.url)),
      },
    ];
    return await Promise.all(files.map(async ({ path, text }) => ({ path, text: await formatted(path, text) })));
  } finally {
    await Promise.all([wallet.dispose(), discount.dispose()]);
  }
}
