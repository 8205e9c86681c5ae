/**
 * Gas per call of TranscriptRegistry, printed as a table (docs/contract.md),
 * with the one hard budget asserted: `anchor` stays under 60k gas. Gas is deterministic for a given
 * compile, so this is not a timing assertion. Not part of the coverage run (instrumented bytecode
 * costs more).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeBytes32String, id, type TransactionReceipt } from "ethers";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import { buildMerkleTree } from "../../service/src/core/merkle";
import { sampleLeaves } from "../helpers/leaves";
import { compiledRegistryArtifact, connectTestChain, mined, type TestChain } from "./helpers/chain";
import { deployCast, type RegistryCast } from "./helpers/registry";

const ANCHOR_BUDGET = 60_000n;

let chain: TestChain;
let cast: RegistryCast;
beforeAll(async () => {
  chain = await connectTestChain();
  cast = await deployCast(chain);
});
afterAll(() => chain.provider.destroy());

describe("gas", () => {
  it("reports gas per call and keeps anchor under 60k", async () => {
    const rows: [string, bigint][] = [];
    const record = (name: string, receipt: TransactionReceipt) => rows.push([name, receipt.gasUsed]);
    const anchorer = cast.as(cast.anchorer);
    const revoker = cast.as(cast.revoker);
    const admin = cast.as();
    const school = encodeBytes32String("79000701");
    const cert = id("certificate");

    const bare = await deployRegistry(cast.admin, { artifact: compiledRegistryArtifact() });
    const deployReceipt = await chain.provider.getTransactionReceipt(bare.deployTx);
    record("deploy (constructor)", deployReceipt!);

    const tree = buildMerkleTree(sampleLeaves(1000, "gas"));
    record("anchor (first root)", await mined(anchorer.anchor(tree.root, 1000)));
    record("anchor (next root)", await mined(anchorer.anchor(id("another root"), 250)));
    record("revoke", await mined(revoker.revoke(id("leaf"), encodeBytes32String("DATA_ERROR"))));
    const batch = (n: number, label: string) => Array.from({ length: n }, (_, i) => id(`${label} ${i}`));
    record("revokeBatch (10 leaves)", await mined(revoker.revokeBatch(batch(10, "ten"), id("reason"))));
    record("revokeBatch (100 leaves)", await mined(revoker.revokeBatch(batch(100, "hundred"), id("reason"))));
    record("addIssuerCertificate (first)", await mined(admin.addIssuerCertificate(school, cert)));
    record("removeIssuerCertificate", await mined(admin.removeIssuerCertificate(school, cert)));
    record("addIssuerCertificate (re-add)", await mined(admin.addIssuerCertificate(school, cert)));
    record(
      "grantRole (ANCHORER_ROLE)",
      await mined(admin.grantRole(id("ANCHORER_ROLE"), cast.stranger.address)),
    );
    record("pause", await mined(admin.pause()));
    record("unpause", await mined(admin.unpause()));
    rows.push([
      "verify (eth_call, 10-node proof)",
      await cast.as().verify.estimateGas(tree.proof(0), tree.root, tree.leaves[0]!),
    ]);
    const now = BigInt((await chain.provider.getBlock("latest"))!.timestamp);
    rows.push([
      "isIssuerCertificate (eth_call, 2 intervals)",
      await cast.as().isIssuerCertificate.estimateGas(school, cert, now - 1n),
    ]);

    const width = Math.max(...rows.map(([name]) => name.length));
    console.log(
      [
        "TranscriptRegistry gas per call",
        ...rows.map(([name, gas]) => `${name.padEnd(width)}  ${gas.toString().padStart(9)}`),
      ].join("\n"),
    );
    const anchors = rows.filter(([name]) => name.startsWith("anchor"));
    expect(anchors.map(([name, gas]) => [name, gas < ANCHOR_BUDGET])).toEqual([
      ["anchor (first root)", true],
      ["anchor (next root)", true],
    ]);
  });
});
