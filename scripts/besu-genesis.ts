/**
 * Writes the QBFT validator set into deployments/besu/genesis.json (`extraData`, see lib/qbft.ts).
 * Use it when the validators' keys already exist
 * (otherwise `besu operator generate-blockchain-config` makes keys and genesis together, see
 * deployments/besu/README.md). Private keys never pass through here: only addresses.
 *
 *   npx tsx scripts/besu-genesis.ts 0xVALIDATOR1,0xVALIDATOR2,0xVALIDATOR3,0xVALIDATOR4
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { qbftExtraData } from "./lib/qbft";

function main(): void {
  const validators = (process.argv[2] ?? "")
    .split(",")
    .map((v) => v.trim())
    .filter((v) => v !== "");
  if (validators.length < 4) {
    console.error("usage: tsx scripts/besu-genesis.ts <4 or more comma-separated validator addresses>");
    console.error("(QBFT tolerates f faulty validators out of 3f+1: 4 is the smallest useful set)");
    process.exitCode = 2;
    return;
  }
  const file = path.resolve(__dirname, "..", "deployments", "besu", "genesis.json");
  const genesis = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  genesis.extraData = qbftExtraData(validators);
  writeFileSync(file, JSON.stringify(genesis, null, 2) + "\n");
  console.log(
    `extraData for ${validators.length} validators written to ${file}:\n${String(genesis.extraData)}`,
  );
}

main();
