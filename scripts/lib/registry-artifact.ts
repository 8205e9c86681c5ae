/**
 * Turns Hardhat's compile output for TranscriptRegistry into the one artifact the service ships
 * (service/src/adapters/chain/registry-artifact.json), so the service deploys and calls the
 * registry without Hardhat at runtime. The compiler version and settings travel with the bytecode
 * so anyone can reproduce it; a test fails when the committed file differs from a fresh compile.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { RegistryArtifact } from "../../service/src/adapters/chain/compiled-registry";

export const REGISTRY_SOURCE = "contracts/TranscriptRegistry.sol";
export const REGISTRY_NAME = "TranscriptRegistry";
export const REGISTRY_ARTIFACT_FILE = path.join(
  "service",
  "src",
  "adapters",
  "chain",
  "registry-artifact.json",
);

interface HardhatArtifact {
  contractName: string;
  sourceName: string;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}

interface BuildInfo {
  solcVersion: string;
  solcLongVersion: string;
  input: { settings: Record<string, unknown> & { outputSelection?: unknown } };
}

function readJson<T>(file: string): T {
  return JSON.parse(readFileSync(file, "utf8")) as T;
}

/** The service artifact of TranscriptRegistry from a Hardhat artifacts directory. */
export function buildRegistryArtifact(artifactsDir: string): RegistryArtifact {
  const dir = path.join(artifactsDir, REGISTRY_SOURCE);
  const artifact = readJson<HardhatArtifact>(path.join(dir, `${REGISTRY_NAME}.json`));
  const dbg = readJson<{ buildInfo: string }>(path.join(dir, `${REGISTRY_NAME}.dbg.json`));
  const buildInfo = readJson<BuildInfo>(path.resolve(dir, dbg.buildInfo));
  const { outputSelection: _unused, ...settings } = buildInfo.input.settings;
  return {
    contractName: artifact.contractName,
    sourceName: artifact.sourceName,
    solcVersion: buildInfo.solcVersion,
    solcLongVersion: buildInfo.solcLongVersion,
    settings,
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    deployedBytecode: artifact.deployedBytecode,
  };
}
