/**
 * What the page's verification asks beyond the file, through the same ports the service uses
 * (core/verification): the trust anchors, the chain's state and the service's own knowledge
 * (corrections, and revocations whose on-chain write is pending).
 *  - API mode (default): the public read routes of this service (/api/v1/chain…), which answer from
 *    the chain through the service's cached chain port;
 *  - RPC mode (`?rpc=<url>`): the registry read directly with ethers from a read-only node the
 *    verifier chooses (a university's own Besu node), so the chain's answers do not pass through
 *    the service. The registry address and chain id still come from the service (the page does too);
 *    a link cannot point the page at another registry. ethers is loaded only in this mode.
 * A request that fails (network, 5xx) throws CHAIN_UNAVAILABLE, which the pipeline turns into an
 * `error` check — never into `invalid`.
 */
import { HocbaError } from "../../../service/src/core/errors";
import { createTrustStore, type TrustStore } from "../../../service/src/core/pki";
import type {
  ChainStatusPort,
  IssuerRolesLookup,
  PdfProofSource,
  RevocationLookup,
  SupersessionLookup,
  VerificationContext,
} from "../../../service/src/core/verification";

export interface PortSettings {
  /** Base of the hocba API, e.g. https://hocba.example.vn (default: this page's origin). */
  api: string;
  /** A read-only JSON-RPC node to read the registry from instead of the API. */
  rpc?: string;
}

/**
 * How a 429 is met: by default it is an answer like any other failure; the bulk page waits the
 * Retry-After the service names (at most a minute each time) and asks again, so that a thousand
 * files checked in the browser slow down under the public rate limit instead of ending as errors.
 */
let rateLimitedRetries = 0;

/** Makes every later read retry up to `retries` times on a 429 (see `rateLimitedRetries`). */
export function retryWhenRateLimited(retries: number): void {
  rateLimitedRetries = retries;
}

/** GET a JSON answer of the hocba API; any failure to get a 200 is CHAIN_UNAVAILABLE. */
async function getJson<T>(url: string): Promise<T> {
  let response: Response;
  for (let attempt = 0; ; attempt++) {
    try {
      response = await fetch(url, { headers: { accept: "application/json" } });
    } catch (cause) {
      throw new HocbaError("CHAIN_UNAVAILABLE", `the service could not be reached (${url})`, { cause });
    }
    if (response.status !== 429 || attempt >= rateLimitedRetries) break;
    const seconds = Math.min(60, Math.max(1, Number(response.headers.get("retry-after")) || 1));
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new HocbaError(
      "CHAIN_UNAVAILABLE",
      `the service answered ${response.status} to ${url}${body?.error?.message ? `: ${body.error.message}` : ""}`,
    );
  }
  return (await response.json()) as T;
}

/** The chain port over the public API of a hocba service. */
export function apiChainPort(api: string, chain: { chainId: number; registry: string }): ChainStatusPort {
  const base = `${api}/api/v1/chain`;
  return {
    chainId: chain.chainId,
    registry: chain.registry,
    anchoredAt: async (root) => (await getJson<{ anchoredAt: number }>(`${base}/roots/${root}`)).anchoredAt,
    revokedAt: async (leaf) =>
      (await getJson<{ revokedAt: number }>(`${base}/revocations/${leaf}`)).revokedAt,
    isIssuerCertificate: async (code, fingerprint, at) =>
      (
        await getJson<{ authorized: boolean }>(
          `${base}/issuers/${encodeURIComponent(code)}/certificates/${fingerprint}?at=${encodeURIComponent(at.toISOString())}`,
        )
      ).authorized,
  };
}

/** The chain port over a read-only JSON-RPC node (ethers, loaded on demand). */
export async function rpcChainPort(
  rpc: string,
  chain: { chainId: number; registry: string },
): Promise<ChainStatusPort> {
  const { Contract, JsonRpcProvider, Network, encodeBytes32String } = await import("ethers");
  const { default: artifact } = await import("../../../service/src/adapters/chain/registry-artifact.json");
  const network = Network.from(chain.chainId);
  const provider = new JsonRpcProvider(rpc, network, { staticNetwork: network, batchMaxCount: 1 });
  const registry = new Contract(chain.registry, artifact.abi, provider);
  const view = async <T>(name: string, args: unknown[]): Promise<T> => {
    try {
      return (await registry.getFunction(name).staticCall(...args)) as T;
    } catch (cause) {
      throw new HocbaError("CHAIN_UNAVAILABLE", `the RPC node ${rpc} could not answer ${name}`, { cause });
    }
  };
  return {
    chainId: chain.chainId,
    registry: chain.registry,
    anchoredAt: async (root) => Number(await view<bigint>("anchoredAt", [root])),
    revokedAt: async (leaf) => Number(await view<bigint>("revokedAt", [leaf])),
    isIssuerCertificate: (code, fingerprint, at) =>
      view<boolean>("isIssuerCertificate", [
        encodeBytes32String(code),
        fingerprint,
        Math.floor(at.getTime() / 1000),
      ]),
  };
}

/** The service's corrections, asked per document. */
export function apiSupersession(api: string): SupersessionLookup {
  return async (documentId) => {
    const { supersededBy } = await getJson<{ supersededBy: string | null }>(
      `${api}/api/v1/documents/${encodeURIComponent(documentId)}/supersession`,
    );
    return supersededBy === null ? null : { supersededBy };
  };
}

/** The service's revocations, asked per leaf: known before the next anchoring round writes them on chain. */
export function apiRevocations(api: string): RevocationLookup {
  return async (leaf) => {
    const { revokedAt } = await getJson<{ revokedAt: string | null }>(
      `${api}/api/v1/revocations/${encodeURIComponent(leaf)}`,
    );
    return revokedAt === null ? null : { revokedAt: new Date(revokedAt) };
  };
}

/**
 * The issuer registry's roles (the service's public route): each certificate's role and the roles
 * the issuer's documents require; null for an issuer the service does not know.
 */
export function apiIssuerRoles(api: string): IssuerRolesLookup {
  return async (code) => {
    const body = await getJson<{
      known: boolean;
      requiredRoles: string[];
      certificates: { fingerprint: string; role: string }[];
    }>(`${api}/api/v1/issuers/${encodeURIComponent(code)}/roles`);
    if (!body.known) return null;
    const roles: Record<string, string> = {};
    for (const certificate of body.certificates) roles[certificate.fingerprint] = certificate.role;
    return { requiredRoles: body.requiredRoles, roles };
  };
}

let anchors: Promise<{ signers: TrustStore; tsas?: TrustStore }> | undefined;

/**
 * The service's trust anchors for signers — with the intermediate CAs it knows (a page cannot
 * follow a certificate's AIA URL across origins, so a signature that carries only the signer's
 * certificate is completed with these) — and for timestamp authorities, fetched once per page.
 */
export function trustAnchors(api: string): Promise<{ signers: TrustStore; tsas?: TrustStore }> {
  anchors ??= getJson<{ anchors: string[]; intermediates?: string[]; tsaAnchors?: string[] }>(
    `${api}/api/v1/trust-anchors`,
  ).then((body) => ({
    signers: createTrustStore(body.anchors, { intermediates: body.intermediates ?? [] }),
    ...(body.tsaAnchors?.length ? { tsas: createTrustStore(body.tsaAnchors) } : {}),
  }));
  anchors.catch(() => {
    anchors = undefined; // asked again next time
  });
  return anchors;
}

/**
 * The verification context for the page's settings.
 * @throws HocbaError CHAIN_UNAVAILABLE when the service's trust anchors or chain identity cannot be fetched.
 */
export async function verificationContext(settings: PortSettings): Promise<VerificationContext> {
  const [stores, chainInfo] = await Promise.all([
    trustAnchors(settings.api),
    getJson<{ chainId: number; registry: string }>(`${settings.api}/api/v1/chain`),
  ]);
  const chain = settings.rpc
    ? await rpcChainPort(settings.rpc, chainInfo)
    : apiChainPort(settings.api, chainInfo);
  return {
    trustAnchors: stores.signers,
    ...(stores.tsas ? { timestamps: { trustAnchors: stores.tsas } } : {}),
    chain,
    supersession: apiSupersession(settings.api),
    revocations: apiRevocations(settings.api),
    issuerRoles: apiIssuerRoles(settings.api),
  };
}

/**
 * The `hocba/pdf-1` proof of a signed PDF, found by the file's SHA-256 (GET /api/v1/pdf-proofs):
 * the proof; or, when the service knows no anchored PDF with that hash (404, 409), why — the
 * inclusion and anchored checks then say the PDF was never anchored; any other failure is an
 * `error` (could not be checked), never `invalid`.
 */
export async function fetchPdfProof(api: string, docHash: string): Promise<PdfProofSource> {
  const url = `${api}/api/v1/pdf-proofs/${docHash}`;
  let response: Response;
  try {
    response = await fetch(url, { headers: { accept: "application/json" } });
  } catch {
    return { absent: { status: "error", message: `the service could not be reached (${url})` } };
  }
  const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
  if (response.ok) return { proof: body };
  const message = body?.error?.message ?? `HTTP ${response.status}`;
  return response.status === 404 || response.status === 409
    ? { absent: { status: "invalid", message } }
    : { absent: { status: "error", message: `the service answered ${response.status}: ${message}` } };
}
