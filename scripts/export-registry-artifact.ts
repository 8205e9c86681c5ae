/**
 * `npm run compile` step 2: writes service/src/adapters/chain/registry-artifact.json from Hardhat's
 * fresh compile output (step 1), Prettier-formatted so `npm run lint` accepts it.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import prettier from "prettier";
import { REGISTRY_ARTIFACT_FILE, buildRegistryArtifact } from "./lib/registry-artifact";

async function main(): Promise<void> {
  const root = path.resolve(__dirname, "..");
  const file = path.join(root, REGISTRY_ARTIFACT_FILE);
  const artifact = buildRegistryArtifact(path.join(root, "artifacts"));
  const options = (await prettier.resolveConfig(file)) ?? {};
  const text = await prettier.format(JSON.stringify(artifact), {
    ...options,
    parser: "json",
    filepath: file,
  });
  writeFileSync(file, text);
  console.log(`wrote ${REGISTRY_ARTIFACT_FILE} (solc ${artifact.solcLongVersion})`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
