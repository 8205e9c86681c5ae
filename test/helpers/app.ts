/**
 * A real API for tests: `buildApp` with real services (the given database, the anvil registry of
 * test/helpers/chain.ts, the school PKI of test/helpers/pki.ts), school 79000701 registered with
 * its principal's certificate directly in the database, and an issuer API key for it. Requests go
 * through `app.inject`; anchoring rounds are run by the test with `anchorPending(anchoring)`.
 */
import type { FastifyInstance } from "fastify";
import { makeDisclosable } from "../../service/src/core/documents/disclosure";
import { chainStatusOf } from "../../service/src/adapters/chain/chain-status";
import type { Database } from "../../service/src/adapters/db/database";
import { readSheet, readWorkbookFile } from "../../service/src/adapters/files/sheet";
import { writeWorkbook } from "../../service/src/adapters/files/workbook-writer";
import { renderTranscriptPdf } from "../../service/src/adapters/pdf/transcript-pdf";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { createApiKey } from "../../service/src/auth/api-keys";
import { randomSecret, type ApiKeyKind } from "../../service/src/auth/secrets";
import { canonicalBytes } from "../../service/src/core/documents";
import { signDetached, type SignerInput, type SignOptions } from "../../service/src/core/pki";
import { buildApp, type AppOptions } from "../../service/src/http/app";
import type { AppServices } from "../../service/src/http/services";
import { anchorPending, type AnchoringDeps } from "../../service/src/issuance/anchoring";
import type { SubmissionDeps } from "../../service/src/issuance/documents";
import type { CertificateStatusChecker } from "../../service/src/issuance/certificate-status";
import { BATCH_OF_DOCUMENT } from "../../service/src/issuance/stores/batches";
import { verificationOf } from "../../service/src/server/compose";
import { eventually, type TestChain } from "./chain";
import { fingerprintOf, SCHOOL_CODE, signerOf, type SchoolPki } from "./pki";

export interface TestAppOptions {
  db: Database;
  chain: TestChain;
  pki: SchoolPki;
  /** BODY_LIMIT_BYTES; default 6 MB (a batch of 1,000 transcripts is ~5 MB). */
  bodyLimit?: number;
  /** The built pages to serve (buildApp's pagesDir); default verifier-web/dist. */
  pagesDir?: string | null;
  /** A logger (made with loggerOptions) to log every request to; default none. */
  loggerInstance?: AppOptions["loggerInstance"];
  /** Trusted TSAs and REQUIRE_TIMESTAMP of submissions; default none. */
  timestamps?: SubmissionDeps["timestamps"];
  /** Certificate status checking on submission; default none (CERT_STATUS=off). */
  certStatus?: CertificateStatusChecker;
  /** Staff sign-in (test/helpers/staff.ts); default none. */
  staffSignIn?: AppServices["staffSignIn"];
  /** The roots signers must chain to; default the school PKI's. */
  trustAnchors?: SubmissionDeps["trustAnchors"];
  /** Citizen sign-in (test/helpers/staff.ts); default none. */
  citizenSignIn?: AppServices["citizenSignIn"];
}

export interface TestApp {
  app: FastifyInstance;
  services: AppServices;
  /** Issuer API key of school 79000701. */
  schoolKey: string;
  adminToken: string;
  /** What an anchoring round needs, on the same database and chain. */
  anchoring: AnchoringDeps;
  /** How many times the routes asked for an anchoring round. */
  triggers(): number;
}

/** Registers issuer `code` (a school unless told) if needed and returns a new API key of `kind` for it. */
export async function apiKeyFor(db: Database, code: string, kind: ApiKeyKind = "issuer"): Promise<string> {
  await db.query("INSERT INTO issuers (code, kind, name) VALUES ($1, 'school', $2) ON CONFLICT DO NOTHING", [
    code,
    `Trường ${code}`,
  ]);
  const { key } = await db.transaction((tx) =>
    createApiKey(tx, kind === "issuer" ? { kind, issuerCode: code, actor: "test" } : { kind, actor: "test" }),
  );
  return key;
}

/** Builds and readies the app; close it with `app.close()`. */
export async function buildTestApp(options: TestAppOptions): Promise<TestApp> {
  const { db, chain, pki } = options;
  const schoolKey = await apiKeyFor(db, SCHOOL_CODE);
  const fingerprint = fingerprintOf(pki.principal);
  await db.query(
    `INSERT INTO issuer_certificates (issuer_code, fingerprint, certificate, subject, role, added_at)
     SELECT $1, $2, $3, 'principal', 'principal', now() - interval '1 day'
      WHERE NOT EXISTS (SELECT 1 FROM issuer_certificates WHERE issuer_code = $1 AND fingerprint = $2)`,
    [SCHOOL_CODE, fingerprint, pki.principal.certificate],
  );
  let triggered = 0;
  const adminToken = randomSecret();
  const submission: AppServices["submission"] = {
    db,
    trustAnchors: options.trustAnchors ?? pki.store,
    crypto: nodeCrypto,
    requiredRoles: ["principal"],
    readSheet,
    ...(options.timestamps ? { timestamps: options.timestamps } : {}),
    ...(options.certStatus ? { certStatus: options.certStatus } : {}),
  };
  const chainStatus = chainStatusOf(chain.registry);
  const services: AppServices = {
    db,
    adminToken,
    submission,
    drafts: { db, readWorkbook: (bytes) => readWorkbookFile(bytes), writeWorkbook },
    chainStatus,
    verification: verificationOf(submission, chainStatus),
    renderPdf: renderTranscriptPdf,
    chain: { chainId: chain.registry.chainId, registry: chain.registry.address },
    triggerAnchoring: () => {
      triggered++;
    },
    ...(options.staffSignIn ? { staffSignIn: options.staffSignIn } : {}),
    ...(options.citizenSignIn ? { citizenSignIn: options.citizenSignIn } : {}),
  };
  const app = await buildApp({
    bodyLimit: options.bodyLimit ?? 6_000_000,
    services,
    ...(options.pagesDir !== undefined ? { pagesDir: options.pagesDir } : {}),
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : {}),
  });
  await app.ready();
  return {
    app,
    services,
    schoolKey,
    adminToken,
    anchoring: { db, chain: chain.registry, maxBatch: 1000, confirmations: 1 },
    triggers: () => triggered,
  };
}

/** `{document, signature}` as a school submits it, signed by the principal unless told. */
export async function signedItem(
  pki: SchoolPki,
  document: unknown,
  signer: SignerInput = signerOf(pki.principal, pki.intermediate),
  options: SignOptions = {},
): Promise<{ document: unknown; signature: string }> {
  const cms = await signDetached(canonicalBytes(document), [signer], options);
  return { document, signature: Buffer.from(cms).toString("base64") };
}

/**
 * A transcript signed as `hocba sign` signs it: in the selectively disclosable form, with every
 * disclosure (docs/selective-disclosure.md).
 */
export async function disclosableItem(
  pki: SchoolPki,
  transcript: unknown,
  signer: SignerInput = signerOf(pki.principal, pki.intermediate),
): Promise<{ document: unknown; disclosures: string[]; signature: string }> {
  const { document, disclosures } = makeDisclosable(transcript);
  const cms = await signDetached(canonicalBytes(document), [signer]);
  return { document, disclosures, signature: Buffer.from(cms).toString("base64") };
}

/**
 * Runs anchoring rounds until every document is anchored and every revocation confirmed. More
 * than one round may be needed: the signer lock is database-wide, so on a shared PostgreSQL
 * another test file's round can hold it for a moment.
 */
export async function settle(anchoring: AnchoringDeps): Promise<void> {
  await eventually(async () => {
    await anchorPending(anchoring);
    const { rows } = await anchoring.db.query<{ open: boolean }>(
      `SELECT EXISTS (SELECT 1 FROM documents d LEFT JOIN batches b ON ${BATCH_OF_DOCUMENT}
                       WHERE b.state IS DISTINCT FROM 'confirmed')
           OR EXISTS (SELECT 1 FROM revocations WHERE state <> 'confirmed') AS open`,
    );
    return !rows[0]?.open;
  });
}

/**
 * Submits each document signed by the principal, anchors them (`settle`) and returns their
 * credential files, in order: what a graduate receives.
 */
export async function issueCredentials<C = unknown>(
  t: TestApp,
  pki: SchoolPki,
  documents: readonly unknown[],
): Promise<C[]> {
  for (const document of documents) {
    const res = await t.app.inject({
      method: "POST",
      url: "/api/v1/transcripts",
      headers: { authorization: `Bearer ${t.schoolKey}` },
      payload: await signedItem(pki, document),
    });
    if (res.statusCode !== 202) throw new Error(`submission refused: ${res.statusCode} ${res.body}`);
  }
  await settle(t.anchoring);
  return Promise.all(
    documents.map(async (document) => {
      const res = await t.app.inject({
        method: "GET",
        url: `/api/v1/transcripts/${(document as { id: string }).id}/credential`,
        headers: { authorization: `Bearer ${t.schoolKey}` },
      });
      if (res.statusCode !== 200) throw new Error(`no credential: ${res.statusCode} ${res.body}`);
      return res.json<C>();
    }),
  );
}
