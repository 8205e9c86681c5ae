/**
 * A real chain for tests: anvil with the TranscriptRegistry deployed by anvil's first development
 * account (admin) and the second as anchorer, and a way to fill the database with pending
 * documents without signing each (anchoring only looks at leaves).
 */
import { Contract, JsonRpcProvider, Network, Wallet, keccak256, toBeHex } from "ethers";
import { startAnvil, type AnvilProcess } from "../../service/src/adapters/chain/anvil";
import { deployRegistry } from "../../service/src/adapters/chain/deploy-registry";
import {
  createRegistryClient,
  issuerCodeBytes32,
  REGISTRY_ABI,
  type RegistryClient,
} from "../../service/src/adapters/chain/registry";
import type { Queryable } from "../../service/src/adapters/db/database";
import { SCHOOL_CODE } from "./pki";

// anvil's first two well-known development accounts (public test keys).
export const ADMIN_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";
export const ANCHOR_KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";

export interface TestChain {
  anvil: AnvilProcess;
  registry: RegistryClient;
  /** The registry with the admin account as signer. */
  admin: Contract;
  provider: JsonRpcProvider;
  stateFile: string;
}

/** A registry client for the anchoring account on `url`. */
export function anchoringClient(url: string, address: string): RegistryClient {
  return createRegistryClient({ rpcUrl: url, chainId: 31337, address, privateKey: ANCHOR_KEY, gasPrice: 0n });
}

export interface StartChainOptions {
  /** Also grant REVOKER_ROLE to the anchoring account (revocation tests); only on a fresh deploy. */
  revoker?: boolean;
}

/** Starts anvil on `stateFile` and deploys the registry, or reuses `address` from that state. */
export async function startChain(
  stateFile: string,
  port?: number,
  address?: string,
  options: StartChainOptions = {},
): Promise<TestChain> {
  const anvil = await startAnvil({ stateFile, stateIntervalSeconds: 3600, ...(port ? { port } : {}) });
  const network = Network.from(31337);
  const provider = new JsonRpcProvider(anvil.url, network, { staticNetwork: network, cacheTimeout: -1 });
  const adminWallet = new Wallet(ADMIN_KEY, provider);
  const registryAddress =
    address ??
    (
      await deployRegistry(adminWallet, {
        anchorers: [new Wallet(ANCHOR_KEY).address],
        revokers: options.revoker ? [new Wallet(ANCHOR_KEY).address] : [],
      })
    ).address;
  return {
    anvil,
    registry: anchoringClient(anvil.url, registryAddress),
    admin: new Contract(registryAddress, REGISTRY_ABI, adminWallet),
    provider,
    stateFile,
  };
}

export async function stopChain(chain: TestChain, how: "stop" | "kill" = "stop"): Promise<void> {
  chain.registry.close();
  chain.provider.destroy();
  await chain.anvil[how]();
}

/** Sends an admin transaction to the registry and waits for it to be mined. */
export async function adminCall(chain: TestChain, name: "pause" | "unpause"): Promise<void> {
  const tx = await chain.admin.getFunction(name).send();
  await tx.wait();
}

/**
 * Puts the certificate of SHA-256 `fingerprint` (0x…, fingerprintOf in pki.ts) on the registry's
 * allow list of the test school, as a registered school's signer is.
 */
export async function allowSchoolSigner(chain: TestChain, fingerprint: string): Promise<void> {
  const added = await chain.admin
    .getFunction("addIssuerCertificate")
    .send(issuerCodeBytes32(SCHOOL_CODE), fingerprint);
  await added.wait();
}

let leafCounter = 0;

/** Inserts `n` pending documents with distinct leaves (unsigned placeholders); returns their ids. */
export async function addPendingDocuments(db: Queryable, n: number): Promise<string[]> {
  const ids: string[] = [];
  const hashes: string[] = [];
  const leaves: string[] = [];
  const base = process.pid * 1e6;
  for (let i = 0; i < n; i++) {
    leafCounter++;
    ids.push(`00000000-0000-4000-8000-${(base + leafCounter).toString(16).padStart(12, "0")}`);
    hashes.push(keccak256(toBeHex(base + leafCounter, 32)));
    leaves.push(keccak256(toBeHex(base + leafCounter + 1e12, 32)));
  }
  await db.query(
    "INSERT INTO issuers (code, kind, name) VALUES ('79000701', 'school', 'x') ON CONFLICT DO NOTHING",
  );
  await db.query(
    `INSERT INTO documents (id, type, issuer_code, doc_hash, leaf, document, signature, signers)
     SELECT v.id, 'hocba.transcript/v1', '79000701', v.h, v.l, '{}', '\\x00', '[]'
       FROM unnest($1::uuid[], $2::text[], $3::text[]) AS v(id, h, l)`,
    [ids, hashes, leaves],
  );
  return ids;
}

/** Polls `condition` every 50 ms until it holds or `timeoutMs` passes (then throws). */
export async function eventually(condition: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
