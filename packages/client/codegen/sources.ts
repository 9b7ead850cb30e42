import { startDiscountWithoutWallet } from "@matchday/testkit/discount";
import { REPO_ROOT, runCommand } from "@matchday/testkit/processes";
import { startWalletInProcess } from "@matchday/testkit/wallet";
import { type OpenApiDocument, renderRoutes } from "./render";

export const GENERATED_DIR = `${REPO_ROOT}packages/client/src/generated/`;

/** Formats as `bun run lint` wants it, so a generated file passes lint and compares byte for byte. */
async function formatted(path: string, text: string): Promise<string> {
  const { code, stdout, stderr } = await runCommand(
    [`${REPO_ROOT}node_modules/.bin/biome`, "format", `--stdin-file-path=${path}`],
    { stdin: text },
  );
  if (code !== 0) throw new Error(`biome could not format ${path}: ${stderr}`);
  return stdout;
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
