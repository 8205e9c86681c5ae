/**
 * What a verifier outside the service needs to run the checks itself (the verifier page bundles
 * core/verification and asks these): the trust anchors, the chain and registry the service reads,
 * and the three chain questions of the ChainStatusPort — root anchored, leaf revoked, certificate
 * authorized for an issuer — answered from the chain through the service's cached chain port (not
 * from the database), plus the service's own knowledge: corrections (supersession) and revocations
 * whose on-chain write is still pending (revocations), and the issuer registry's signer roles.
 * `/trust-anchors` also lists the intermediate CA certificates the service knows (installed, or
 * fetched through a certificate's AIA): a page cannot fetch AIA URLs across origins, so it completes
 * a path from a signature that carries only the signer's certificate with these (docs/decisions.md).
 * All public, read-only and rate-limited per client address. A chain that cannot be read is a 503
 * CHAIN_UNAVAILABLE, which the page reports as an `error` check, never as `invalid`.
 */
import { BYTES32_PATTERN, UUID_ANY_CASE_PATTERN } from "../../core/encoding";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { HocbaError } from "../../core/errors";
import { errorResponses } from "../schemas";

/**
 * Reads per client address and minute unless PUBLIC_READ_RATE_MAX says otherwise: one page
 * verification makes about six (the bulk page's workers about four per file after the first).
 */
export const PUBLIC_CHAIN_READS_PER_MINUTE = 600;

const SECONDS = Type.Integer({
  minimum: 0,
  description: "block time in seconds since the epoch, 0 for never",
});

/** PEM text of one DER certificate (64-character lines, as OpenSSL writes it). */
export function certificatePem(der: Uint8Array): string {
  let binary = "";
  for (const byte of der) binary += String.fromCharCode(byte);
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function publicChainRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const { submission, chainStatus: chain, verification: knowledge } = app.services;
  const anchors = submission.trustAnchors.anchors.map((anchor) => certificatePem(anchor.der));
  const tsaAnchors = (submission.timestamps?.trustAnchors?.anchors ?? []).map((anchor) =>
    certificatePem(anchor.der),
  );
  const intermediates = () =>
    submission.trustAnchors.intermediates.list().map((certificate) => certificatePem(certificate.der));
  const max = app.services.limits?.publicReadsMax ?? PUBLIC_CHAIN_READS_PER_MINUTE;
  const config = { rateLimit: { max, timeWindow: 60_000 } };
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.get(
    "/trust-anchors",
    {
      config,
      schema: {
        tags: ["verification"],
        summary:
          "The root certificates a signer must chain to, the known intermediate CAs, and the trusted TSAs' certificates (PEM)",
        response: {
          200: Type.Object({
            anchors: Type.Array(Type.String({ description: "PEM certificate" })),
            intermediates: Type.Array(
              Type.String({
                description:
                  "PEM certificate of an intermediate CA: installed, or fetched through an AIA caIssuers URL; never trusted by itself",
              }),
            ),
            tsaAnchors: Type.Array(Type.String({ description: "PEM certificate" }), {
              description:
                "root and intermediate certificates of the timestamp authorities whose signature timestamps are trusted (TSA_TRUST_DIR); empty when none",
            }),
          }),
          ...errorResponses(429, 500),
        },
      },
    },
    () => ({ anchors, intermediates: intermediates(), tsaAnchors }),
  );

  typed.get(
    "/issuers/:code/roles",
    {
      config,
      schema: {
        tags: ["verification"],
        summary: "The role of each of an issuer's signing certificates and the roles its documents require",
        description:
          "From the service's issuer registry (the chain holds which certificates, not their roles). An unknown issuer answers `known: false` with the default required roles.",
        params: Type.Object({
          code: Type.String({ pattern: "^[A-Za-z0-9]{1,31}$", description: "school or district code" }),
        }),
        response: {
          200: Type.Object({
            code: Type.String(),
            known: Type.Boolean(),
            requiredRoles: Type.Array(Type.String()),
            certificates: Type.Array(
              Type.Object({
                fingerprint: Type.String({ pattern: BYTES32_PATTERN }),
                role: Type.String({ description: "principal, homeroom, organisation (the seal)…" }),
              }),
            ),
          }),
          ...errorResponses(400, 429, 500),
        },
      },
    },
    async (request) => {
      const { code } = request.params;
      const found = await knowledge.issuerRoles(code);
      return {
        code,
        known: found !== null,
        requiredRoles: found?.requiredRoles ?? [...submission.requiredRoles],
        certificates: Object.entries(found?.roles ?? {}).map(([fingerprint, role]) => ({
          fingerprint,
          role,
        })),
      };
    },
  );

  typed.get(
    "/chain",
    {
      config,
      schema: {
        tags: ["verification"],
        summary: "The chain and registry this service anchors on",
        response: {
          200: Type.Object({ chainId: Type.Integer(), registry: Type.String() }),
          ...errorResponses(429, 500),
        },
      },
    },
    () => ({ chainId: chain.chainId, registry: chain.registry }),
  );

  // Two block-time questions of the same shape: when was this root anchored, this leaf revoked.
  const blockTimeRoute = (
    url: string,
    param: "root" | "leaf",
    field: "anchoredAt" | "revokedAt",
    summary: string,
    read: (key: string) => Promise<number>,
  ) =>
    typed.get(
      url,
      {
        config,
        schema: {
          tags: ["verification"],
          summary,
          params: Type.Object({ [param]: Type.String({ pattern: BYTES32_PATTERN }) }),
          response: {
            200: Type.Object({ [param]: Type.String(), [field]: SECONDS }),
            ...errorResponses(400, 429, 500, 503),
          },
        },
      },
      async (request) => {
        const key = (request.params as Record<string, string>)[param]!.toLowerCase();
        return { [param]: key, [field]: await read(key) };
      },
    );
  blockTimeRoute(
    "/chain/roots/:root",
    "root",
    "anchoredAt",
    "When a Merkle root was anchored, read from the registry (0: never)",
    (root) => chain.anchoredAt(root),
  );
  blockTimeRoute(
    "/chain/revocations/:leaf",
    "leaf",
    "revokedAt",
    "When a leaf was revoked, read from the registry (0: not revoked)",
    (leaf) => chain.revokedAt(leaf),
  );

  typed.get(
    "/chain/issuers/:code/certificates/:fingerprint",
    {
      config,
      schema: {
        tags: ["verification"],
        summary: "Was the certificate authorized for the issuer at a time (on-chain issuer registry)",
        params: Type.Object({
          code: Type.String({ pattern: "^[A-Za-z0-9]{1,31}$", description: "school or district code" }),
          fingerprint: Type.String({
            pattern: BYTES32_PATTERN,
            description: "0x + SHA-256 of the certificate DER",
          }),
        }),
        querystring: Type.Object({
          at: Type.String({ format: "date-time", description: "from 1970-01-01T00:00:00Z on" }),
        }),
        response: {
          200: Type.Object({
            code: Type.String(),
            fingerprint: Type.String(),
            at: Type.String({ format: "date-time" }),
            authorized: Type.Boolean(),
          }),
          ...errorResponses(400, 429, 500, 503),
        },
      },
    },
    async (request) => {
      const { code } = request.params;
      const fingerprint = request.params.fingerprint.toLowerCase();
      const at = new Date(request.query.at);
      // The date-time format lets through what no clock reads (a leap second 23:59:60) and the
      // registry counts seconds from 1970: either is the question's fault, not the chain's.
      if (Number.isNaN(at.getTime()) || at.getTime() < 0) {
        const message = "must be a date-time from 1970-01-01T00:00:00Z on";
        throw new HocbaError("SCHEMA_INVALID", `at ${message}`, {
          details: [{ path: "/querystring/at", code: "SCHEMA_FORMAT", message }],
        });
      }
      const authorized = await chain.isIssuerCertificate(code, fingerprint, at);
      return { code, fingerprint, at: at.toISOString(), authorized };
    },
  );

  typed.get(
    "/documents/:id/supersession",
    {
      config,
      schema: {
        tags: ["verification"],
        summary: "The document that supersedes this one, if any (null for none or unknown)",
        params: Type.Object({ id: Type.String({ pattern: UUID_ANY_CASE_PATTERN }) }),
        response: {
          200: Type.Object({ id: Type.String(), supersededBy: Type.Union([Type.String(), Type.Null()]) }),
          ...errorResponses(400, 429, 500),
        },
      },
    },
    async (request) => {
      const id = request.params.id.toLowerCase();
      return { id, supersededBy: (await knowledge.supersession(id))?.supersededBy ?? null };
    },
  );

  typed.get(
    "/revocations/:leaf",
    {
      config,
      schema: {
        tags: ["verification"],
        summary: "When the issuer revoked the document of a leaf in this service (null: not revoked)",
        description:
          "Known as soon as `POST /api/v1/transcripts/{id}/revoke` answers, before the next anchoring round writes it on chain (then `/chain/revocations/{leaf}` answers it too).",
        params: Type.Object({ leaf: Type.String({ pattern: BYTES32_PATTERN }) }),
        response: {
          200: Type.Object({
            leaf: Type.String(),
            revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
          }),
          ...errorResponses(400, 429, 500),
        },
      },
    },
    async (request) => {
      const leaf = request.params.leaf.toLowerCase();
      const revoked = await knowledge.revocations(leaf);
      return { leaf, revokedAt: revoked?.revokedAt.toISOString() ?? null };
    },
  );
  done();
}
