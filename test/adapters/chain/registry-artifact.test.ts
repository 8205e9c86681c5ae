import path from "node:path";
import { describe, expect, it } from "vitest";
import { keccak256, toUtf8Bytes } from "ethers";
import { abiHash, registryArtifact } from "../../../service/src/adapters/chain/compiled-registry";
import { buildRegistryArtifact } from "../../../scripts/lib/registry-artifact";

describe("registry artifact", () => {
  it("is exactly what a fresh compile of the contracts produces (run `npm run compile` if not)", () => {
    // test/helpers/global-setup.ts compiled artifacts/ for this run.
    expect(registryArtifact).toEqual(buildRegistryArtifact(path.resolve(__dirname, "../../../artifacts")));
  });

  it("records the pinned compiler and settings beside the bytecode", () => {
    expect({
      contractName: registryArtifact.contractName,
      solcVersion: registryArtifact.solcVersion,
      settings: registryArtifact.settings,
    }).toEqual({
      contractName: "TranscriptRegistry",
      solcVersion: "0.8.28",
      settings: { optimizer: { enabled: true, runs: 200 }, evmVersion: "paris" },
    });
  });
});

describe("abiHash", () => {
  it("is keccak256 of the RFC 8785 canonical ABI JSON, so key order does not matter", () => {
    const abi = [{ type: "function", name: "anchor", inputs: [] }];
    const reordered = [{ name: "anchor", inputs: [], type: "function" }];
    expect([abiHash(abi), abiHash(reordered)]).toEqual([
      keccak256(toUtf8Bytes('[{"inputs":[],"name":"anchor","type":"function"}]')),
      keccak256(toUtf8Bytes('[{"inputs":[],"name":"anchor","type":"function"}]')),
    ]);
  });
});
