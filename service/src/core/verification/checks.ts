/**
 * The checks of docs/verification.md after `format`, one small function each, each answering a fragment
 * (status, message, data) about a credential whose structure is right — its document may still
 * break the rules (a changed score often does), so nothing here trusts the document's shape. They may throw: the pipeline's
 * wrapper turns any exception into an `error` check. The CMS is verified once per credential
 * (core/pki `verifyDetached`) and the integrity, signature and signer checks read that one report.
 */
import { canonicalBytes, leafOf, toHex } from "../documents";
import { GRADUATION_TYPE } from "../documents/schema";
import { verifyMerkleProof } from "../merkle/verify";
import {
  organisationOf,
  signerName,
  SIGNATURE_CHECKS,
  webCrypto,
  verifyDetached,
  type SignatureCheckName,
  type SignatureReport,
  type SignerReport,
} from "../pki";
import type { SignedCredential } from "./format";
import type { Check, CheckName, ChainStatusPort, VerificationContext } from "./types";

export type Fragment = Omit<Check, "name">;

/**
 * One credential under verification, with its canonical bytes and the signature report computed
 * at most once (RFC 8785 serialisation is a good part of a verification's cost).
 */
export interface CheckInput {
  credential: SignedCredential;
  context: VerificationContext;
  canonical: () => Uint8Array;
  report: () => Promise<SignatureReport>;
}

export type CheckFunction = (input: CheckInput) => Fragment | Promise<Fragment>;

/**
 * What the checks of the anchoring (inclusion, anchored, revocation, supersession) read: the
 * anchor and the document's id, so that a signed PDF's `hocba/pdf-1` proof (verification/pdf.ts)
 * runs through the same checks as a credential.
 */
export interface AnchorCheckInput {
  credential: Pick<SignedCredential, "anchor" | "anchoredAt"> & { document: { readonly id?: unknown } };
  context: VerificationContext;
}
type AnchorCheck = (input: AnchorCheckInput) => Fragment | Promise<Fragment>;

/**
 * The school (transcript) or district office (graduation) that must have signed the document;
 * "" when the document does not say (no issuer is registered under "").
 */
function issuerCodeOf(document: SignedCredential["document"]): string {
  const issuer = document.type === GRADUATION_TYPE ? document.district : document.school;
  const code = (issuer as { code?: unknown } | null | undefined)?.code;
  return typeof code === "string" ? code : "";
}

const iso = (seconds: number): string => new Date(seconds * 1000).toISOString();

/** The input of the checks for a credential: canonical bytes and signature report made on first use. */
export function checkInputOf(credential: SignedCredential, context: VerificationContext): CheckInput {
  let canonical: Uint8Array | undefined;
  let report: Promise<SignatureReport> | undefined;
  const input: CheckInput = {
    credential,
    context,
    canonical: () => (canonical ??= canonicalBytes(credential.document)),
    report: () => (report ??= signatureReport(input)),
  };
  return input;
}

/**
 * Runs verifyDetached once; the signer's authorization is asked at the anchoring time, its role
 * and the issuer's required roles from the issuer registry's roles (context.issuerRoles). A failed
 * roles look-up makes the authorization check an `error`.
 */
async function signatureReport({ credential, context, canonical }: CheckInput): Promise<SignatureReport> {
  const { chain } = context;
  const issuerCode = issuerCodeOf(credential.document);
  const registry =
    chain && context.issuerRoles
      ? await context.issuerRoles(issuerCode).then(
          (found) => ({ found }),
          (error: unknown) => ({ error }),
        )
      : undefined;
  const requiredRoles =
    registry && "found" in registry && registry.found
      ? registry.found.requiredRoles
      : context.policy?.requiredRoles;
  return verifyDetached(canonical(), credential.cms, {
    trustAnchors: context.trustAnchors,
    ...(context.crypto ? { crypto: context.crypto } : {}),
    ...(context.at ? { at: context.at } : {}),
    ...(context.timestamps ? { timestamps: context.timestamps } : {}),
    ...(requiredRoles ? { policy: { requiredRoles } } : {}),
    ...(chain
      ? {
          authorization: {
            issuerCode,
            lookup: async (code: string, fingerprint: string) => {
              if (registry && "error" in registry) throw registry.error;
              const authorized = await chain.isIssuerCertificate(code, fingerprint, credential.anchoredAt);
              const role = registry?.found?.roles[fingerprint];
              return role === undefined ? { authorized } : { authorized, role };
            },
          },
        }
      : {}),
  });
}

/**
 * Folds sub-checks of the signature report into one fragment: the first that failed (invalid or
 * error, in report order — a later check may fail only because an earlier one could not be made),
 * else skipped when all are, else valid with the messages of those that ran.
 */
export function fold(
  report: SignatureReport,
  names: readonly SignatureCheckName[],
  data: Record<string, unknown>,
): Fragment {
  const parts = report.checks.filter((check) => names.includes(check.name));
  const failed = parts.find((check) => check.status === "invalid" || check.status === "error");
  if (failed !== undefined)
    return { status: failed.status, message: failed.message, data: { ...data, code: failed.code } };
  const ran = parts.filter((check) => check.status !== "skipped");
  if (ran.length === 0) return { status: "skipped", message: parts[0]?.message ?? "not checked", data };
  return { status: "valid", message: ran.map((check) => check.message).join("; "), data };
}

/** What a person reads first when the content is not what was signed and anchored. */
const CHANGED = "the content was changed after it was signed";

const integrity: CheckFunction = async ({ credential, context, canonical, report }) => {
  // docHash = SHA-256 of the canonical bytes, through the crypto port (node:crypto in the service).
  const hash = toHex((context.crypto ?? webCrypto).sha256(canonical()));
  const leaf = leafOf(hash);
  const signed = await report();
  const digests = signed.signers.map((signer) => signer.messageDigest);
  const data = { docHash: hash, leaf, messageDigests: digests };
  if (signed.signers.length === 0)
    return {
      status: "invalid",
      message: "the signature cannot be read, so the signed digest is unknown",
      data,
    };
  const digest = fold(signed, ["digest"], data);
  if (digest.status === "invalid")
    return {
      ...digest,
      message: `${CHANGED}: it hashes to ${hash}, the signature covers ${digests.find((d) => d !== hash) ?? digests[0]}`,
    };
  if (digest.status !== "valid") return digest;
  const [foreign] = credential.disclosed.problems;
  if (foreign !== undefined)
    return {
      status: "invalid",
      message: `disclosure ${foreign.index + 1} is not one the issuer signed: ${foreign.message}`,
      data: { ...data, disclosure: foreign.index },
    };
  const anchored = credential.anchor.leaf.toLowerCase();
  if (leaf !== anchored) {
    return {
      status: "invalid",
      message: `${CHANGED} and anchored: its leaf ${leaf} is not the anchored leaf ${anchored}`,
      data,
    };
  }
  return {
    status: "valid",
    message: `the document hashes to ${hash}, the digest the signature covers, and to the anchored leaf`,
    data,
  };
};

/**
 * The signature: readable, and made with the signer certificate's key over this content. When the
 * content is not what the signer signed (integrity), the signature does not sign it — it never
 * reads as genuine for a changed document.
 */
const signature: CheckFunction = async ({ report }) => {
  const signed = await report();
  const data = {
    signers: signed.signers.map(({ subject, fingerprint, signingTime }) => ({
      subject,
      fingerprint,
      signingTime,
    })),
  };
  const folded = fold(signed, ["structure", "signature"], data);
  const digest = fold(signed, ["digest"], data);
  if (folded.status === "valid" && digest.status === "invalid")
    return {
      status: "invalid",
      message: "the signature does not sign this content: it was made over other content (see integrity)",
      data: { ...data, code: "DIGEST_MISMATCH" },
    };
  return folded;
};

/** The signature report's checks the signer check reads: the signer's time, path, authorization and roles. */
export const SIGNER_CHECKS: readonly SignatureCheckName[] = SIGNATURE_CHECKS.slice(
  SIGNATURE_CHECKS.indexOf("timestamp"),
);

/**
 * A signer as the signer checks report it (of a credential and of a signed PDF): `role` when given,
 * name (CN) and organisation (O), the certificate's subject, issuer and fingerprint, the signing
 * time, and the timestamp, authorization and certificate status when known.
 */
export function signerView(
  { subject, issuer, fingerprint, signingTime, timestamp, authorized, status }: SignerReport,
  role: string | undefined,
) {
  const organisation = organisationOf(subject);
  return {
    ...(role === undefined ? {} : { role }),
    name: signerName(subject).name,
    ...(organisation === undefined ? {} : { organisation }),
    subject,
    issuer,
    fingerprint,
    signingTime,
    ...(timestamp === undefined ? {} : { timestamp }),
    ...(authorized === undefined ? {} : { authorized }),
    ...(status === undefined ? {} : { status }),
  };
}

/**
 * Who signed, as the registry and the certificates say: each signer's role (when the registry was
 * asked and it is authorized), name (CN) and organisation (O), beside the certificate's details.
 */
const signer: CheckFunction = async ({ credential, context, report }) => {
  const signed = await report();
  return fold(signed, SIGNER_CHECKS, {
    issuerCode: issuerCodeOf(credential.document),
    ...(context.chain ? { authorizedAt: credential.anchor.anchoredAt } : {}),
    signers: signed.signers.map((s) => ({
      ...signerView(s, s.role),
      serialNumber: s.serialNumber,
      chain: s.chain,
    })),
  });
};

export const inclusion: AnchorCheck = ({ credential: { anchor } }) => {
  const data = { root: anchor.merkleRoot, leaf: anchor.leaf, proofLength: anchor.proof.length };
  return verifyMerkleProof(anchor.proof, anchor.merkleRoot, anchor.leaf)
    ? { status: "valid", message: `the Merkle proof leads from the leaf to root ${anchor.merkleRoot}`, data }
    : {
        status: "invalid",
        message: `the Merkle proof does not lead from leaf ${anchor.leaf} to root ${anchor.merkleRoot}`,
        data,
      };
};

/** The configured chain, or why the credential cannot be checked against it. */
function chainFor({
  credential: { anchor },
  context,
}: AnchorCheckInput): { chain: ChainStatusPort } | { fragment: Fragment } {
  const chain = context.chain;
  if (chain === undefined)
    return { fragment: { status: "skipped", message: "no chain to ask (offline verification)" } };
  if (anchor.chainId !== chain.chainId || anchor.registry.toLowerCase() !== chain.registry.toLowerCase()) {
    return {
      fragment: {
        status: "invalid",
        message: `the credential names registry ${anchor.registry} on chain ${anchor.chainId}; this verifier trusts registry ${chain.registry} on chain ${chain.chainId}`,
        data: {
          chainId: anchor.chainId,
          registry: anchor.registry,
          expectedChainId: chain.chainId,
          expectedRegistry: chain.registry,
        },
      },
    };
  }
  return { chain };
}

export const anchored: AnchorCheck = async (input) => {
  const found = chainFor(input);
  if ("fragment" in found) return found.fragment;
  const { anchor, anchoredAt } = input.credential;
  const data = {
    chainId: anchor.chainId,
    registry: anchor.registry,
    root: anchor.merkleRoot,
    txHash: anchor.txHash,
    blockNumber: anchor.blockNumber,
  };
  const at = await found.chain.anchoredAt(anchor.merkleRoot);
  if (at === 0)
    return { status: "invalid", message: `root ${anchor.merkleRoot} is not anchored on the registry`, data };
  // The signer's authorization is asked at the stated time: it must be the chain's.
  if (Math.floor(anchoredAt.getTime() / 1000) !== at) {
    return {
      status: "invalid",
      message: `the credential says anchored at ${anchor.anchoredAt}, the registry says ${iso(at)}`,
      data: { ...data, anchoredAt: iso(at) },
    };
  }
  return {
    status: "valid",
    message: `root ${anchor.merkleRoot} was anchored on chain ${anchor.chainId} at ${iso(at)}`,
    data: { ...data, anchoredAt: iso(at) },
  };
};

/**
 * Revoked on chain, or revoked by the issuer in the service with the on-chain write pending (the
 * service knows it at once; the chain only after the next anchoring round). The service's answer
 * also stands when the chain cannot be read: a revocation known is never reported as "could not
 * be checked".
 */
export const revocation: AnchorCheck = async (input) => {
  const found = chainFor(input);
  if ("fragment" in found)
    return found.fragment.status === "skipped"
      ? found.fragment
      : { status: "skipped", message: "the credential names another chain (see the anchored check)" };
  const leaf = input.credential.anchor.leaf;
  const known = input.context.revocations?.(leaf) ?? Promise.resolve(null);
  known.catch(() => undefined); // asked below; a failure is reported there
  const pending = (revoked: { revokedAt: Date }): Fragment => ({
    status: "invalid",
    message: `the document was revoked by its issuer at ${revoked.revokedAt.toISOString()}; the on-chain write is pending`,
    data: { leaf, revokedAt: revoked.revokedAt.toISOString(), onChain: false },
  });
  let at: number;
  try {
    at = await found.chain.revokedAt(leaf);
  } catch (error) {
    const revoked = await known.catch(() => null);
    if (revoked) return pending(revoked);
    throw error;
  }
  if (at !== 0)
    return {
      status: "invalid",
      message: `the document was revoked at ${iso(at)}`,
      data: { leaf, revokedAt: iso(at) },
    };
  const revoked = await known;
  return revoked
    ? pending(revoked)
    : { status: "valid", message: "the document has not been revoked", data: { leaf } };
};

export const supersession: AnchorCheck = async ({ credential, context }) => {
  const documentId = credential.document.id;
  if (typeof documentId !== "string")
    return { status: "skipped", message: "the document has no id to look corrections up by" };
  if (context.supersession === undefined)
    return {
      status: "skipped",
      message: "corrections are known only to the issuing service (offline verification)",
    };
  const newer = await context.supersession(documentId);
  return newer === null
    ? { status: "valid", message: "no newer document supersedes this one", data: { documentId } }
    : {
        status: "invalid",
        message: `this document was corrected: document ${newer.supersededBy} supersedes it`,
        data: { documentId, supersededBy: newer.supersededBy },
      };
};

/** The checks after `format`, in report order. */
export const CHECKS: ReadonlyArray<readonly [CheckName, CheckFunction]> = [
  ["integrity", integrity],
  ["signature", signature],
  ["signer", signer],
  ["inclusion", inclusion],
  ["anchored", anchored],
  ["revocation", revocation],
  ["supersession", supersession],
];
