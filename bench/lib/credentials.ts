/**
 * What the benchmarks that verify need before they measure: the anchoring account allowed to write
 * the registry's issuer list, the school's certificate on chain, and a signed set submitted,
 * anchored and fetched back as credential files (or printable PDFs) through the API.
 */
import { createHash, X509Certificate } from "node:crypto";
import { Contract, JsonRpcProvider, Network, Wallet, ZeroHash } from "ethers";
import { createRegistryClient, REGISTRY_ABI } from "../../service/src/adapters/chain/registry";
import { api, pool } from "./http";
import { BENCH_SCHOOL, type SignedSet } from "./signed-set";
import { ADMIN_KEY, ANCHOR_KEY, type Server } from "./stack";

/** Gives the anchoring account DEFAULT_ADMIN_ROLE so the server can write the issuer registry. */
export async function grantIssuerAdmin(rpcUrl: string, registry: string): Promise<void> {
  const network = Network.from(31337);
  const provider = new JsonRpcProvider(rpcUrl, network, { staticNetwork: network, cacheTimeout: -1 });
  try {
    const contract = new Contract(registry, REGISTRY_ABI, new Wallet(ADMIN_KEY, provider));
    const tx = (await contract.getFunction("grantRole")(ZeroHash, new Wallet(ANCHOR_KEY).address)) as {
      wait(): Promise<unknown>;
    };
    await tx.wait();
  } finally {
    provider.destroy();
  }
}

/** Until the signer's certificate (the first of `signerChainPem`) is in the registry's issuer registry. */
export async function waitIssuerOnChain(
  rpcUrl: string,
  registry: string,
  signerChainPem: string,
): Promise<void> {
  const fingerprint =
    "0x" + createHash("sha256").update(new X509Certificate(signerChainPem).raw).digest("hex");
  const client = createRegistryClient({ rpcUrl, chainId: 31337, address: registry });
  try {
    const deadline = Date.now() + 120_000;
    while (!(await client.isIssuerCertificate(BENCH_SCHOOL.code, fingerprint, new Date()))) {
      if (Date.now() > deadline) throw new Error("the school's certificate never reached the registry");
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  } finally {
    client.close();
  }
}

/** Submits chunks [0, chunks) of the set through POST /transcripts/batch; every item must be accepted. */
export async function submitChunks(
  server: Pick<Server, "url">,
  apiKey: string,
  set: SignedSet,
  chunks = set.chunks,
) {
  const ids: string[] = [];
  for (let c = 0; c < chunks; c++) {
    const body = set.chunk(c);
    const { items } = JSON.parse(body) as { items: { document: { id: string } }[] };
    ids.push(...items.map((item) => item.document.id));
    const { results } = await api<{ results: { status: number }[] }>(
      server,
      apiKey,
      "POST",
      "/api/v1/transcripts/batch",
      body,
    );
    const refused = results.filter((result) => result.status !== 202 && result.status !== 200);
    if (refused.length > 0)
      throw new Error(`chunk ${c}: ${refused.length} refused: ${JSON.stringify(refused[0])}`);
  }
  return ids;
}

/** GET with the key until the answer is no longer 409 (not anchored yet), for at most 10 minutes. */
export async function fetchAnchored(server: Pick<Server, "url">, key: string, url: string): Promise<Buffer> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    const response = await fetch(`${server.url}${url}`, { headers: { authorization: `Bearer ${key}` } });
    if (response.status === 200) return Buffer.from(await response.arrayBuffer());
    if (response.status !== 409 || Date.now() > deadline)
      throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** Chunks [0, chunks) submitted, anchored and fetched back as credential files (JSON text), in order. */
export async function issueCredentials(
  server: Pick<Server, "url">,
  apiKey: string,
  set: SignedSet,
  chunks = set.chunks,
): Promise<string[]> {
  const ids = await submitChunks(server, apiKey, set, chunks);
  const credentials = new Array<string>(ids.length);
  await pool(ids.length, 16, async (i) => {
    credentials[i] = (
      await fetchAnchored(server, apiKey, `/api/v1/transcripts/${ids[i]}/credential`)
    ).toString("utf8");
  });
  return credentials;
}
