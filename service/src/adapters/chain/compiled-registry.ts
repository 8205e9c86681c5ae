/**
 * The compiled TranscriptRegistry (ABI, bytecode, compiler settings) the service deploys and
 * calls — committed JSON produced by `npm run compile`, so the service needs no Hardhat at runtime.
 * The ABI hash pins which interface a deployment was made with (deployments/<network>.json).
 * (Not named registry-artifact.ts: CommonJS resolution would find the .json first.)
 */
import { keccak256 } from "ethers";
import { canonicalBytes } from "../../core/documents/hash";
import artifactJson from "./registry-artifact.json";

export interface RegistryArtifact {
  contractName: string;
  sourceName: string;
  solcVersion: string;
  solcLongVersion: string;
  /** solc standard-JSON settings used (optimizer, evmVersion, …), without outputSelection. */
  settings: Record<string, unknown>;
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}

/** The committed TranscriptRegistry artifact. */
export const registryArtifact: RegistryArtifact = artifactJson;

/** keccak256 of the ABI serialised as RFC 8785 canonical JSON: equal ABIs give equal hashes. */
export function abiHash(abi: readonly unknown[]): string {
  return keccak256(canonicalBytes(abi));
}
