/**
 * Public verification (docs/verification.md, docs/http-api.md): a credential in, the eight named
 * checks out. The route adds no logic of its own — it builds the service's verification context once (trust anchors and
 * crypto of submission, the cached chain port over the registry, corrections from the documents
 * table) and answers 200 with the verdict for any JSON object, a forged one included; only a body
 * that is not an object (or a batch outside 1..1,000) is a 400. Anonymous callers are limited per
 * client (address, IPv6 by /64) to VERIFY_RATE_MAX *credentials* per window, the single and the
 * batch route together: a batch of 500 uses 500, and a batch that would go over is refused whole
 * without using any. Any valid API key (verifier keys are made for this) lifts the limit.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Queryable } from "../../issuance/ports";
import { HocbaError } from "../../core/errors";
import {
  CHECK_NAMES,
  VERDICTS,
  verifyCredential,
  type SupersessionLookup,
  type VerificationContext,
} from "../../core/verification";
import { compiledSchemaCheck } from "../../issuance/schema-check";
import { clientKey, durationText } from "../plugins/quota";
import { errorResponses } from "../schemas";

/** Credentials per batch request. */
export const MAX_VERIFY_BATCH = 1000;
/** Credentials anonymous callers verify per client and window, unless configured. */
export const DEFAULT_VERIFY_LIMITS = { verifyMax: 600, verifyWindowMs: 60_000 } as const;

const CheckView = Type.Object({
  name: Type.Union(CHECK_NAMES.map((name) => Type.Literal(name))),
  status: Type.Union([
    Type.Literal("valid"),
    Type.Literal("invalid"),
    Type.Literal("error"),
    Type.Literal("skipped"),
  ]),
  message: Type.String(),
  data: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
});
const ResultView = Type.Object({
  valid: Type.Boolean({ description: "true iff no check is invalid or error (verdict `valid`)" }),
  verdict: Type.Union(
    VERDICTS.map((verdict) => Type.Literal(verdict)),
    {
      description:
        "valid; not-hocba (not a hocba/1 file at all); invalid (changed after signing, forged, untrusted, not anchored, corrected); revoked; error (a check could not be made)",
    },
  ),
  checks: Type.Array(CheckView, {
    description: "format, integrity, signature, signer, inclusion, anchored, revocation, supersession",
  }),
});
const CredentialBody = Type.Unknown({
  description: "a hocba/1 credential file (*.hocba.json); its problems are reported by the format check",
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function documentIdOf(credential: unknown): string | undefined {
  const id = (credential as { document?: { id?: unknown } } | null)?.document?.id;
  return typeof id === "string" && UUID.test(id) ? id.toLowerCase() : undefined;
}

type Corrections = Map<string, string>;

/**
 * Reads corrections (`superseded_by` by document id) for the ids asked during one turn of the
 * event loop in one query: concurrent requests (50 connections verifying one credential each)
 * share a round trip to the database instead of making one each.
 */
function correctionsReader(db: Queryable): (ids: readonly string[]) => Promise<Corrections> {
  let gathering: { ids: Set<string>; read: Promise<Corrections> } | undefined;
  return (ids) => {
    if (ids.length === 0) return Promise.resolve(new Map());
    if (gathering === undefined) {
      const batch = { ids: new Set<string>(), read: Promise.resolve(new Map()) as Promise<Corrections> };
      batch.read = new Promise<void>((resolve) => setImmediate(resolve)).then(async () => {
        gathering = undefined;
        const { rows } = await db.query<{ id: string; superseded_by: string }>(
          "SELECT id, superseded_by FROM documents WHERE id = ANY($1::uuid[]) AND superseded_by IS NOT NULL",
          [[...batch.ids]],
        );
        return new Map(rows.map((row) => [row.id, row.superseded_by]));
      });
      gathering = batch;
    }
    for (const id of ids) gathering.ids.add(id);
    return gathering.read;
  };
}

/**
 * Corrections of the documents in one request. A failed read becomes an `error` supersession
 * check of each credential, not a failed request.
 */
function supersessionOf(
  read: (ids: readonly string[]) => Promise<Corrections>,
  credentials: readonly unknown[],
): SupersessionLookup {
  const ids = [...new Set(credentials.map(documentIdOf).filter((id) => id !== undefined))];
  const loaded = read(ids);
  loaded.catch(() => undefined); // reported by the checks that ask
  return async (documentId) => {
    const supersededBy = (await loaded).get(documentId.toLowerCase());
    return supersededBy === undefined ? null : { supersededBy };
  };
}

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function verifyRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const { db, submission, chainStatus } = app.services;
  const limits = app.services.limits ?? DEFAULT_VERIFY_LIMITS;
  const base: VerificationContext = {
    trustAnchors: submission.trustAnchors,
    crypto: submission.crypto,
    chain: chainStatus,
    // The same document checks as the browser's, with TypeBox's compiled checker (the page's
    // interpreted one lists the same problems, some 20× slower).
    policy: { validation: { schemaCheck: compiledSchemaCheck } },
  };
  const readCorrections = correctionsReader(db);
  const verifyAll = (credentials: readonly unknown[]) => {
    const context = { ...base, supersession: supersessionOf(readCorrections, credentials) };
    return Promise.all(credentials.map((credential) => verifyCredential(credential, context)));
  };
  const max = limits.verifyMax;
  const window = durationText(limits.verifyWindowMs);
  /**
   * Takes the request's credentials from the anonymous caller's count (after the optional key is
   * checked, so that a key holder is known and not counted); 429 when they do not fit.
   */
  const charge = (credentialsOf: (request: FastifyRequest) => number) => [
    app.auth.optional,
    async (request: FastifyRequest, reply: FastifyReply) => {
      if (request.principal !== undefined) return;
      const n = credentialsOf(request);
      const quota = await app.quota.take(`verify:${clientKey(request)}`, n, max, limits.verifyWindowMs);
      const resetS = Math.ceil(quota.resetMs / 1000);
      void reply.headers({
        "x-ratelimit-limit": max,
        "x-ratelimit-remaining": Math.max(0, max - quota.used),
        "x-ratelimit-reset": resetS,
      });
      if (quota.allowed) return;
      void reply.header("retry-after", resetS);
      throw new HocbaError(
        "RATE_LIMITED",
        n > max
          ? `a batch of ${n} credentials is more than this address may verify (at most ${max} every ${window}): split it, or use a verifier key`
          : `too many verifications from this address (at most ${max} credentials every ${window}, ${Math.max(0, max - quota.used)} left): try again in ${durationText(quota.resetMs)}`,
      );
    },
  ];
  const typed = app.withTypeProvider<TypeBoxTypeProvider>();

  typed.post(
    "/verify",
    {
      preHandler: charge(() => 1),
      schema: {
        tags: ["verification"],
        summary: "Verify one credential: the eight named checks and the verdict",
        description: "200 for any JSON object, valid or not; `valid: false` names the failing checks.",
        body: CredentialBody,
        response: { 200: ResultView, ...errorResponses(400, 401, 413, 429, 500) },
      },
    },
    async (request) => {
      const body = request.body;
      if (typeof body !== "object" || body === null || Array.isArray(body))
        throw new HocbaError("SCHEMA_INVALID", "the body must be a credential (a JSON object)");
      const [result] = await verifyAll([body]);
      return result!;
    },
  );

  typed.post(
    "/verify/batch",
    {
      bodyLimit: app.bodyLimits.verifyBatch,
      preHandler: charge((request) => (request.body as { credentials: unknown[] }).credentials.length),
      schema: {
        tags: ["verification"],
        summary: `Verify up to ${MAX_VERIFY_BATCH} credentials; results in input order`,
        description: `An anonymous caller's batch counts one per credential against ${max} per ${window}.`,
        body: Type.Object({
          credentials: Type.Array(CredentialBody, { minItems: 1, maxItems: MAX_VERIFY_BATCH }),
        }),
        response: {
          200: Type.Object({ results: Type.Array(ResultView) }),
          ...errorResponses(400, 401, 413, 429, 500),
        },
      },
    },
    async (request) => ({ results: await verifyAll(request.body.credentials) }),
  );
  done();
}
