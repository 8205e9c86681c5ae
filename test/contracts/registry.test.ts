/**
 * TranscriptRegistry driven by its ABI through ethers v6 (docs/contract.md): every function, every
 * custom error with its arguments, every event with its arguments, roles and pause. One fixture
 * for the file: the registry deployed with an admin, an anchorer and a revoker.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ContractFactory, ZeroAddress, ZeroHash, encodeBytes32String, id, type JsonRpcSigner } from "ethers";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import {
  blockTime,
  compiledRegistryArtifact,
  connectTestChain,
  eventsOf,
  mined,
  revertOf,
  snapshotFixture,
  type TestChain,
} from "./helpers/chain";
import { deployCast, type Registry, type RegistryCast } from "./helpers/registry";

const ANCHORER_ROLE = id("ANCHORER_ROLE");
const REVOKER_ROLE = id("REVOKER_ROLE");
const ADMIN_ROLE = ZeroHash;
const ROOT = id("root of batch 1");
const OTHER_ROOT = id("root of batch 2");
const LEAF = id("leaf 1");
const LEAVES = Array.from({ length: 3 }, (_, i) => id(`batch leaf ${i}`));
const REASON = encodeBytes32String("DATA_ERROR");
const SCHOOL = encodeBytes32String("79000701");
const OTHER_SCHOOL = encodeBytes32String("79000702");
const CERT = id("DER of the principal's certificate");

let chain: TestChain;
let cast: RegistryCast;
let registry: Registry;
const fixture = snapshotFixture(
  () => chain,
  async () => {
    cast = await deployCast(chain);
    registry = cast.as();
  },
);

beforeAll(async () => {
  chain = await connectTestChain();
  await fixture.init();
});
beforeEach(() => fixture.reset());
afterAll(() => chain.provider.destroy());

/** Makes the next block carry time `t` (seconds). */
async function nextBlockAt(t: bigint): Promise<void> {
  await chain.rpc("evm_setNextBlockTimestamp", [Number(t)]);
}

async function latestTime(): Promise<bigint> {
  const block = await chain.provider.getBlock("latest");
  return BigInt(block!.timestamp);
}

describe("deployment", () => {
  it("gives the admin role to the constructor's admin and nothing else to anyone", async () => {
    const holders = await Promise.all(
      [cast.admin, cast.anchorer, cast.revoker, cast.stranger].map(async (s) => [
        await registry.hasRole(ADMIN_ROLE, s.address),
        await registry.hasRole(ANCHORER_ROLE, s.address),
        await registry.hasRole(REVOKER_ROLE, s.address),
      ]),
    );
    expect(holders).toEqual([
      [true, false, false],
      [false, true, false],
      [false, false, true],
      [false, false, false],
    ]);
  });

  it("names its roles as docs/contract.md fixes them, all administered by the admin role", async () => {
    expect([
      await registry.ANCHORER_ROLE(),
      await registry.REVOKER_ROLE(),
      await registry.DEFAULT_ADMIN_ROLE(),
      await registry.getRoleAdmin(ANCHORER_ROLE),
      await registry.getRoleAdmin(REVOKER_ROLE),
      await registry.paused(),
    ]).toEqual([ANCHORER_ROLE, REVOKER_ROLE, ADMIN_ROLE, ADMIN_ROLE, ADMIN_ROLE, false]);
  });

  it("refuses the zero address as admin", async () => {
    const artifact = compiledRegistryArtifact();
    const factory = new ContractFactory(artifact.abi as never[], artifact.bytecode, cast.admin);
    expect(await revertOf(registry, factory.deploy(ZeroAddress))).toEqual({
      name: "TranscriptRegistryInvalidAdmin",
      args: [ZeroAddress],
    });
  });

  it("answers ERC-165 for AccessControl and ERC-165 only", async () => {
    expect([
      await registry.supportsInterface("0x7965db0b"),
      await registry.supportsInterface("0x01ffc9a7"),
      await registry.supportsInterface("0xffffffff"),
    ]).toEqual([true, true, false]);
  });

  it("hands the admin role to a named admin and leaves the deployer without it", async () => {
    const deployment = await deployRegistry(cast.stranger, {
      admin: cast.admin.address,
      anchorers: [cast.anchorer.address],
      artifact: compiledRegistryArtifact(),
    });
    const other = cast.as().attach(deployment.address) as Registry;
    expect({
      deployer: deployment.deployer,
      admin: deployment.admin,
      adminHasRole: await other.hasRole(ADMIN_ROLE, cast.admin.address),
      deployerHasRole: await other.hasRole(ADMIN_ROLE, cast.stranger.address),
      anchorer: await other.hasRole(ANCHORER_ROLE, cast.anchorer.address),
    }).toEqual({
      deployer: cast.stranger.address,
      admin: cast.admin.address,
      adminHasRole: true,
      deployerHasRole: false,
      anchorer: true,
    });
  });
});

describe("anchor", () => {
  it("records the block time of a root and emits RootAnchored", async () => {
    const receipt = await mined(cast.as(cast.anchorer).anchor(ROOT, 3));
    expect({ events: eventsOf(registry, receipt), anchoredAt: await registry.anchoredAt(ROOT) }).toEqual({
      events: [{ name: "RootAnchored", args: [ROOT, 3n, cast.anchorer.address] }],
      anchoredAt: await blockTime(chain, receipt),
    });
  });

  it("answers 0 for a root never anchored", async () => {
    expect(await registry.anchoredAt(OTHER_ROOT)).toBe(0n);
  });

  it("accepts the largest leaf count a uint32 holds", async () => {
    const receipt = await mined(cast.as(cast.anchorer).anchor(ROOT, 2 ** 32 - 1));
    expect(eventsOf(registry, receipt)).toEqual([
      { name: "RootAnchored", args: [ROOT, 4294967295n, cast.anchorer.address] },
    ]);
  });

  it("refuses callers without ANCHORER_ROLE, the admin included", async () => {
    for (const signer of [cast.stranger, cast.admin, cast.revoker]) {
      expect(await revertOf(registry, cast.as(signer).anchor(ROOT, 1))).toEqual({
        name: "AccessControlUnauthorizedAccount",
        args: [signer.address, ANCHORER_ROLE],
      });
    }
  });

  it("refuses the zero root", async () => {
    expect(await revertOf(registry, cast.as(cast.anchorer).anchor(ZeroHash, 1))).toEqual({
      name: "TranscriptRegistryInvalidRoot",
      args: [ZeroHash],
    });
  });

  it("refuses a batch of no leaves", async () => {
    expect(await revertOf(registry, cast.as(cast.anchorer).anchor(ROOT, 0))).toEqual({
      name: "TranscriptRegistryInvalidLeafCount",
      args: [ROOT, 0n],
    });
  });

  it("refuses a root anchored before and names when it was anchored", async () => {
    const receipt = await mined(cast.as(cast.anchorer).anchor(ROOT, 1));
    expect(await revertOf(registry, cast.as(cast.anchorer).anchor(ROOT, 2))).toEqual({
      name: "TranscriptRegistryRootAlreadyAnchored",
      args: [ROOT, await blockTime(chain, receipt)],
    });
  });

  it("refuses to anchor while paused and anchors again once unpaused", async () => {
    await mined(registry.pause());
    expect(await revertOf(registry, cast.as(cast.anchorer).anchor(ROOT, 1))).toEqual({
      name: "EnforcedPause",
      args: [],
    });
    await mined(registry.unpause());
    const receipt = await mined(cast.as(cast.anchorer).anchor(ROOT, 1));
    expect(eventsOf(registry, receipt)).toEqual([
      { name: "RootAnchored", args: [ROOT, 1n, cast.anchorer.address] },
    ]);
  });
});

describe("revoke", () => {
  it("records the block time of a revoked leaf and emits LeafRevoked", async () => {
    const receipt = await mined(cast.as(cast.revoker).revoke(LEAF, REASON));
    expect({ events: eventsOf(registry, receipt), revokedAt: await registry.revokedAt(LEAF) }).toEqual({
      events: [{ name: "LeafRevoked", args: [LEAF, REASON, cast.revoker.address] }],
      revokedAt: await blockTime(chain, receipt),
    });
  });

  it("answers 0 for a leaf not revoked", async () => {
    expect(await registry.revokedAt(LEAF)).toBe(0n);
  });

  it("accepts a zero reason, meaning unspecified", async () => {
    const receipt = await mined(cast.as(cast.revoker).revoke(LEAF, ZeroHash));
    expect(eventsOf(registry, receipt)).toEqual([
      { name: "LeafRevoked", args: [LEAF, ZeroHash, cast.revoker.address] },
    ]);
  });

  it("refuses callers without REVOKER_ROLE, the admin and the anchorer included", async () => {
    for (const signer of [cast.stranger, cast.admin, cast.anchorer]) {
      expect(await revertOf(registry, cast.as(signer).revoke(LEAF, REASON))).toEqual({
        name: "AccessControlUnauthorizedAccount",
        args: [signer.address, REVOKER_ROLE],
      });
    }
  });

  it("refuses the zero leaf", async () => {
    expect(await revertOf(registry, cast.as(cast.revoker).revoke(ZeroHash, REASON))).toEqual({
      name: "TranscriptRegistryInvalidLeaf",
      args: [ZeroHash],
    });
  });

  it("refuses to revoke a leaf twice and names when it was revoked", async () => {
    const receipt = await mined(cast.as(cast.revoker).revoke(LEAF, REASON));
    expect(await revertOf(registry, cast.as(cast.revoker).revoke(LEAF, ZeroHash))).toEqual({
      name: "TranscriptRegistryLeafAlreadyRevoked",
      args: [LEAF, await blockTime(chain, receipt)],
    });
  });

  it("keeps working while anchoring is paused", async () => {
    await mined(registry.pause());
    const receipt = await mined(cast.as(cast.revoker).revoke(LEAF, REASON));
    expect(eventsOf(registry, receipt)).toEqual([
      { name: "LeafRevoked", args: [LEAF, REASON, cast.revoker.address] },
    ]);
  });
});

describe("revokeBatch", () => {
  it("revokes every leaf at the same block time with one event each, in order", async () => {
    const receipt = await mined(cast.as(cast.revoker).revokeBatch(LEAVES, REASON));
    const t = await blockTime(chain, receipt);
    expect({
      events: eventsOf(registry, receipt),
      revokedAt: await Promise.all(LEAVES.map((leaf) => registry.revokedAt(leaf))),
    }).toEqual({
      events: LEAVES.map((leaf) => ({ name: "LeafRevoked", args: [leaf, REASON, cast.revoker.address] })),
      revokedAt: [t, t, t],
    });
  });

  it("refuses an empty batch", async () => {
    expect(await revertOf(registry, cast.as(cast.revoker).revokeBatch([], REASON))).toEqual({
      name: "TranscriptRegistryEmptyRevocationBatch",
      args: [],
    });
  });

  it("refuses callers without REVOKER_ROLE", async () => {
    expect(await revertOf(registry, cast.as(cast.stranger).revokeBatch(LEAVES, REASON))).toEqual({
      name: "AccessControlUnauthorizedAccount",
      args: [cast.stranger.address, REVOKER_ROLE],
    });
  });

  it("refuses a batch listing a leaf twice and revokes none of it", async () => {
    const next = (await latestTime()) + 100n;
    await nextBlockAt(next);
    const batch = [LEAVES[0]!, LEAVES[1]!, LEAVES[0]!];
    expect(
      await revertOf(registry, cast.as(cast.revoker).revokeBatch(batch, REASON, { gasLimit: 500_000 })),
    ).toEqual({ name: "TranscriptRegistryLeafAlreadyRevoked", args: [LEAVES[0], next] });
    expect(await Promise.all(LEAVES.map((leaf) => registry.revokedAt(leaf)))).toEqual([0n, 0n, 0n]);
  });

  it("refuses a batch holding a leaf revoked earlier and revokes none of the others", async () => {
    const receipt = await mined(cast.as(cast.revoker).revoke(LEAVES[2]!, REASON));
    expect(await revertOf(registry, cast.as(cast.revoker).revokeBatch(LEAVES, REASON))).toEqual({
      name: "TranscriptRegistryLeafAlreadyRevoked",
      args: [LEAVES[2], await blockTime(chain, receipt)],
    });
    expect(await Promise.all(LEAVES.map((leaf) => registry.revokedAt(leaf)))).toEqual([
      0n,
      0n,
      await blockTime(chain, receipt),
    ]);
  });

  it("refuses a batch holding the zero leaf", async () => {
    expect(
      await revertOf(registry, cast.as(cast.revoker).revokeBatch([LEAVES[0]!, ZeroHash], REASON)),
    ).toEqual({ name: "TranscriptRegistryInvalidLeaf", args: [ZeroHash] });
  });
});

describe("trusted-issuer registry", () => {
  /** isIssuerCertificate(SCHOOL, CERT, t) for each t. */
  function authorizedAt(...times: bigint[]): Promise<boolean[]> {
    return Promise.all(times.map((t) => registry.isIssuerCertificate(SCHOOL, CERT, t)));
  }

  async function history(code = SCHOOL, cert = CERT): Promise<unknown> {
    const { plain } = await import("./helpers/chain");
    return plain(await registry.issuerCertificateHistory(code, cert));
  }

  it("authorizes a certificate from the block that added it and emits IssuerCertificateAdded", async () => {
    const receipt = await mined(registry.addIssuerCertificate(SCHOOL, CERT));
    const t = await blockTime(chain, receipt);
    expect({
      events: eventsOf(registry, receipt),
      history: await history(),
      at: await authorizedAt(0n, t - 1n, t, t + 1n, 2n ** 64n - 1n),
    }).toEqual({
      events: [{ name: "IssuerCertificateAdded", args: [SCHOOL, CERT] }],
      history: [[t, 0n]],
      at: [false, false, true, true, true],
    });
  });

  it("knows nothing of a certificate never added", async () => {
    expect({ history: await history(), at: await authorizedAt(0n, await latestTime()) }).toEqual({
      history: [],
      at: [false, false],
    });
  });

  it("authorizes a certificate for the issuer it was added for only", async () => {
    await mined(registry.addIssuerCertificate(SCHOOL, CERT));
    const now = await latestTime();
    expect([
      await registry.isIssuerCertificate(SCHOOL, CERT, now),
      await registry.isIssuerCertificate(OTHER_SCHOOL, CERT, now),
      await registry.isIssuerCertificate(SCHOOL, id("another certificate"), now),
    ]).toEqual([true, false, false]);
  });

  it("ends the authorization at the removing block and emits IssuerCertificateRemoved", async () => {
    const added = await blockTime(chain, await mined(registry.addIssuerCertificate(SCHOOL, CERT)));
    await nextBlockAt(added + 100n);
    const receipt = await mined(registry.removeIssuerCertificate(SCHOOL, CERT));
    const removed = await blockTime(chain, receipt);
    expect({
      removed,
      events: eventsOf(registry, receipt),
      history: await history(),
      // before, at the add, between, just before the removal, at the removal, after
      at: await authorizedAt(added - 1n, added, added + 50n, removed - 1n, removed, removed + 1n),
    }).toEqual({
      removed: added + 100n,
      events: [{ name: "IssuerCertificateRemoved", args: [SCHOOL, CERT] }],
      history: [[added, removed]],
      at: [false, true, true, true, false, false],
    });
  });

  it("answers for every past time after a certificate is removed and added again", async () => {
    const t1 = (await latestTime()) + 10n;
    const [t2, t3, t4] = [t1 + 100n, t1 + 200n, t1 + 300n];
    await nextBlockAt(t1);
    await mined(registry.addIssuerCertificate(SCHOOL, CERT));
    await nextBlockAt(t2);
    await mined(registry.removeIssuerCertificate(SCHOOL, CERT));
    await nextBlockAt(t3);
    const readded = await mined(registry.addIssuerCertificate(SCHOOL, CERT));
    expect(eventsOf(registry, readded)).toEqual([{ name: "IssuerCertificateAdded", args: [SCHOOL, CERT] }]);
    expect({
      history: await history(),
      at: await authorizedAt(t1 - 1n, t1, t1 + 50n, t2 - 1n, t2, t2 + 50n, t3 - 1n, t3, t3 + 1000n),
    }).toEqual({
      history: [
        [t1, t2],
        [t3, 0n],
      ],
      at: [false, true, true, true, false, false, false, true, true],
    });
    await nextBlockAt(t4);
    await mined(registry.removeIssuerCertificate(SCHOOL, CERT));
    expect({
      history: await history(),
      at: await authorizedAt(t1, t2, t3, t4 - 1n, t4, t4 + 1n),
    }).toEqual({
      history: [
        [t1, t2],
        [t3, t4],
      ],
      at: [true, false, true, true, false, false],
    });
  });

  it("treats a certificate added and removed in the same block as never authorized", async () => {
    const t = (await latestTime()) + 10n;
    await chain.rpc("evm_setAutomine", [false]);
    const added = await registry.addIssuerCertificate(SCHOOL, CERT, { gasLimit: 200_000 });
    const removed = await registry.removeIssuerCertificate(SCHOOL, CERT, { gasLimit: 200_000 });
    await chain.rpc("evm_mine", [Number(t)]);
    await chain.rpc("evm_setAutomine", [true]);
    const receipts = await Promise.all([added.wait(), removed.wait()]);
    expect({
      blocks: receipts.map((r) => r?.blockNumber === receipts[0]?.blockNumber),
      history: await history(),
      at: await authorizedAt(t - 1n, t, t + 1n),
    }).toEqual({ blocks: [true, true], history: [[t, t]], at: [false, false, false] });
  });

  it("keeps a certificate authorized when it is removed and added again in the same block", async () => {
    await mined(registry.addIssuerCertificate(SCHOOL, CERT));
    const t0 = await latestTime();
    const t = t0 + 10n;
    await chain.rpc("evm_setAutomine", [false]);
    const removed = await registry.removeIssuerCertificate(SCHOOL, CERT, { gasLimit: 200_000 });
    const added = await registry.addIssuerCertificate(SCHOOL, CERT, { gasLimit: 200_000 });
    await chain.rpc("evm_mine", [Number(t)]);
    await chain.rpc("evm_setAutomine", [true]);
    await Promise.all([removed.wait(), added.wait()]);
    expect({ history: await history(), at: await authorizedAt(t0, t - 1n, t, t + 1n) }).toEqual({
      history: [
        [t0, t],
        [t, 0n],
      ],
      at: [true, true, true, true],
    });
  });

  it("refuses to add a certificate that is already authorized and names since when", async () => {
    const t = await blockTime(chain, await mined(registry.addIssuerCertificate(SCHOOL, CERT)));
    expect(await revertOf(registry, registry.addIssuerCertificate(SCHOOL, CERT))).toEqual({
      name: "TranscriptRegistryIssuerCertificateAlreadyActive",
      args: [SCHOOL, CERT, t],
    });
  });

  it("refuses a zero issuer code or a zero fingerprint", async () => {
    expect([
      await revertOf(registry, registry.addIssuerCertificate(ZeroHash, CERT)),
      await revertOf(registry, registry.addIssuerCertificate(SCHOOL, ZeroHash)),
    ]).toEqual([
      { name: "TranscriptRegistryInvalidIssuerCertificate", args: [ZeroHash, CERT] },
      { name: "TranscriptRegistryInvalidIssuerCertificate", args: [SCHOOL, ZeroHash] },
    ]);
  });

  it("refuses to remove a certificate never added or already removed", async () => {
    const neverAdded = await revertOf(registry, registry.removeIssuerCertificate(SCHOOL, CERT));
    await mined(registry.addIssuerCertificate(SCHOOL, CERT));
    await mined(registry.removeIssuerCertificate(SCHOOL, CERT));
    const removedTwice = await revertOf(registry, registry.removeIssuerCertificate(SCHOOL, CERT));
    expect([neverAdded, removedTwice]).toEqual([
      { name: "TranscriptRegistryIssuerCertificateNotActive", args: [SCHOOL, CERT] },
      { name: "TranscriptRegistryIssuerCertificateNotActive", args: [SCHOOL, CERT] },
    ]);
  });

  it("lets only the admin add or remove certificates", async () => {
    await mined(registry.addIssuerCertificate(SCHOOL, CERT));
    const refusals = [];
    for (const signer of [cast.stranger, cast.anchorer, cast.revoker]) {
      refusals.push(await revertOf(registry, cast.as(signer).addIssuerCertificate(OTHER_SCHOOL, CERT)));
      refusals.push(await revertOf(registry, cast.as(signer).removeIssuerCertificate(SCHOOL, CERT)));
    }
    expect(refusals).toEqual(
      [cast.stranger, cast.anchorer, cast.revoker].flatMap((signer) => [
        { name: "AccessControlUnauthorizedAccount", args: [signer.address, ADMIN_ROLE] },
        { name: "AccessControlUnauthorizedAccount", args: [signer.address, ADMIN_ROLE] },
      ]),
    );
  });

  it("keeps working while anchoring is paused", async () => {
    await mined(registry.pause());
    const receipts = [
      await mined(registry.addIssuerCertificate(SCHOOL, CERT)),
      await mined(registry.removeIssuerCertificate(SCHOOL, CERT)),
    ];
    expect(receipts.flatMap((r) => eventsOf(registry, r))).toEqual([
      { name: "IssuerCertificateAdded", args: [SCHOOL, CERT] },
      { name: "IssuerCertificateRemoved", args: [SCHOOL, CERT] },
    ]);
  });
});

describe("roles", () => {
  async function grant(role: string, account: JsonRpcSigner, by = cast.admin) {
    return eventsOf(registry, await mined(cast.as(by).grantRole(role, account.address)));
  }

  it("lets the admin make a new anchorer, who can then anchor", async () => {
    expect(await grant(ANCHORER_ROLE, cast.stranger)).toEqual([
      { name: "RoleGranted", args: [ANCHORER_ROLE, cast.stranger.address, cast.admin.address] },
    ]);
    const receipt = await mined(cast.as(cast.stranger).anchor(ROOT, 1));
    expect(eventsOf(registry, receipt)).toEqual([
      { name: "RootAnchored", args: [ROOT, 1n, cast.stranger.address] },
    ]);
  });

  it("emits nothing when a role is granted to an account that already holds it", async () => {
    expect(await grant(ANCHORER_ROLE, cast.anchorer)).toEqual([]);
  });

  it("lets the admin take a role back, after which the account is refused", async () => {
    const receipt = await mined(registry.revokeRole(REVOKER_ROLE, cast.revoker.address));
    expect(eventsOf(registry, receipt)).toEqual([
      { name: "RoleRevoked", args: [REVOKER_ROLE, cast.revoker.address, cast.admin.address] },
    ]);
    expect(await revertOf(registry, cast.as(cast.revoker).revoke(LEAF, REASON))).toEqual({
      name: "AccessControlUnauthorizedAccount",
      args: [cast.revoker.address, REVOKER_ROLE],
    });
  });

  it("emits nothing when a role is taken from an account that does not hold it", async () => {
    const receipt = await mined(registry.revokeRole(REVOKER_ROLE, cast.stranger.address));
    expect(eventsOf(registry, receipt)).toEqual([]);
  });

  it("refuses role changes by anyone but the admin", async () => {
    expect([
      await revertOf(registry, cast.as(cast.anchorer).grantRole(ANCHORER_ROLE, cast.stranger.address)),
      await revertOf(registry, cast.as(cast.stranger).revokeRole(ANCHORER_ROLE, cast.anchorer.address)),
    ]).toEqual([
      { name: "AccessControlUnauthorizedAccount", args: [cast.anchorer.address, ADMIN_ROLE] },
      { name: "AccessControlUnauthorizedAccount", args: [cast.stranger.address, ADMIN_ROLE] },
    ]);
  });

  it("lets a holder renounce its own role but not someone else's", async () => {
    const receipt = await mined(cast.as(cast.anchorer).renounceRole(ANCHORER_ROLE, cast.anchorer.address));
    expect(eventsOf(registry, receipt)).toEqual([
      { name: "RoleRevoked", args: [ANCHORER_ROLE, cast.anchorer.address, cast.anchorer.address] },
    ]);
    expect(
      await revertOf(registry, cast.as(cast.stranger).renounceRole(REVOKER_ROLE, cast.revoker.address)),
    ).toEqual({ name: "AccessControlBadConfirmation", args: [] });
  });
});

describe("pause", () => {
  it("lets the admin pause and unpause, with Paused and Unpaused events", async () => {
    const paused = await mined(registry.pause());
    const pausedState = await registry.paused();
    const unpaused = await mined(registry.unpause());
    expect({
      events: [...eventsOf(registry, paused), ...eventsOf(registry, unpaused)],
      states: [pausedState, await registry.paused()],
    }).toEqual({
      events: [
        { name: "Paused", args: [cast.admin.address] },
        { name: "Unpaused", args: [cast.admin.address] },
      ],
      states: [true, false],
    });
  });

  it("refuses to pause twice or unpause when running", async () => {
    const unpauseRunning = await revertOf(registry, registry.unpause());
    await mined(registry.pause());
    expect([unpauseRunning, await revertOf(registry, registry.pause())]).toEqual([
      { name: "ExpectedPause", args: [] },
      { name: "EnforcedPause", args: [] },
    ]);
  });

  it("refuses pause and unpause by anyone but the admin", async () => {
    const pauseByAnchorer = await revertOf(registry, cast.as(cast.anchorer).pause());
    await mined(registry.pause());
    expect([pauseByAnchorer, await revertOf(registry, cast.as(cast.stranger).unpause())]).toEqual([
      { name: "AccessControlUnauthorizedAccount", args: [cast.anchorer.address, ADMIN_ROLE] },
      { name: "AccessControlUnauthorizedAccount", args: [cast.stranger.address, ADMIN_ROLE] },
    ]);
  });
});
