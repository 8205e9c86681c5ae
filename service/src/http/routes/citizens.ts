/**
 * Citizens' own records and the share links they make (docs/citizens.md):
 *   GET  /cua-toi/dang-nhap         start a citizen sign-in (the national identity provider)
 *   GET  /auth/citizen/callback     the provider's answer: a citizen session, then /cua-toi (303)
 *   POST /cua-toi/dang-xuat         sign out (session + CSRF token)
 *   GET  /api/v1/me/records         who is signed in, their records (and their children's), their share links
 *   GET  /api/v1/me/records/:id/credential[?withhold=]   the credential file of one's own transcript
 *   GET  /api/v1/me/records/:id/pdf                      its PDF (the QR code opens a share link made for it)
 *   POST /api/v1/me/shares          make a share link: withhold set + expiry (the token once)
 *   POST /api/v1/me/shares/:shareId/revoke               revoke one
 *   GET  /api/v1/me/shares/:shareId/accesses             its access log (time, kind of client, network)
 *   GET  /api/v1/shares/credential?token=                public: the reduced credential a link opens
 * Handlers translate HTTP to auth/sessions.ts, issuance/citizen-records.ts and issuance/shares.ts.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { citizenActor, type CitizenSession } from "../../auth/sessions";
import { maskCitizenId } from "../../core/documents/cccd";
import { HocbaError } from "../../core/errors";
import {
  checkHolderOf,
  citizenDocumentIds,
  citizenRecords,
  type CitizenRecord,
} from "../../issuance/citizen-records";
import { credentialFor } from "../../issuance/credential";
import { documentPdf } from "../../issuance/pdf";
import {
  createShare,
  DEFAULT_SHARE_DAYS,
  openedCounts,
  openShare,
  revokeShare,
  shareAccesses,
  shareOfDocuments,
  shareVerifierLink,
  listShares,
} from "../../issuance/shares";
import { CITIZEN_SESSION_COOKIE, CSRF_HEADER } from "../plugins/auth";
import { errorResponses } from "../schemas";
import { registerSignInFlow } from "./sign-in-flow";
import { CredentialSchema } from "../../core/verification";
import { IdParams, publicUrlOf, SHARE_READS_PER_MINUTE, WITHHOLD_PATTERN, withholdOf } from "./transcripts";
import { DISCLOSURE_KEY, ShareCreated, ShareParams, ShareView, shareView } from "./share-views";

export const CITIZEN_LOGIN_COOKIE = "hocba_citizen_login";
export const CITIZEN_CALLBACK_PATH = "/auth/citizen/callback";

const RecordView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  relation: Type.Union([Type.Literal("self"), Type.Literal("child")]),
  studentName: Type.String(),
  dateOfBirth: Type.String(),
  issuerCode: Type.String(),
  issuerName: Type.String(),
  schoolName: Type.String(),
  status: Type.String({ description: "pending, anchored, revoked or superseded" }),
  supersededBy: Type.Union([Type.String(), Type.Null()]),
  revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  anchoredAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  years: Type.Array(Type.Object({ schoolYear: Type.String(), grade: Type.Integer() })),
  withholdable: Type.Array(Type.String(), { description: "hocba/2 transcripts: what a share may leave out" }),
  graduation: Type.Optional(
    Type.Object({ year: Type.Integer(), diplomaSerial: Type.String(), decision: Type.String() }),
  ),
});
const Me = Type.Object({
  name: Type.String(),
  citizenId: Type.String({ description: "masked: the last three digits only" }),
  guardianOf: Type.Array(Type.String(), { description: "the children's citizen IDs, masked" }),
  csrfToken: Type.String({ description: `send it in ${CSRF_HEADER} with every state-changing request` }),
  expiresAt: Type.String({ format: "date-time" }),
  records: Type.Array(RecordView),
  shares: Type.Array(ShareView),
});
const ShareBody = Type.Object(
  {
    documentId: IdParams.properties.id,
    withhold: Type.Array(Type.String({ pattern: DISCLOSURE_KEY }), { maxItems: 64, uniqueItems: true }),
    expiresInDays: Type.Optional(
      Type.Integer({ minimum: 1, description: `default ${DEFAULT_SHARE_DAYS}; at most SHARE_MAX_DAYS` }),
    ),
  },
  { additionalProperties: false },
);
const Accesses = Type.Object({
  accesses: Type.Array(
    Type.Object({
      at: Type.String({ format: "date-time" }),
      clientKind: Type.Union([Type.Literal("browser"), Type.Literal("cli"), Type.Literal("other")]),
      network: Type.String({ description: "IPv4 /24 or IPv6 /48: never the full address" }),
      outcome: Type.Union([Type.Literal("opened"), Type.Literal("expired"), Type.Literal("revoked")]),
    }),
  ),
});

const iso = (d: Date | null) => (d === null ? null : d.toISOString());

function recordView(r: CitizenRecord) {
  return {
    id: r.id,
    type: r.type,
    relation: r.relation,
    studentName: r.studentName,
    dateOfBirth: r.dateOfBirth,
    issuerCode: r.issuerCode,
    issuerName: r.issuerName,
    schoolName: r.schoolName,
    status: r.status,
    supersededBy: r.supersededBy,
    revokedAt: iso(r.revokedAt),
    anchoredAt: iso(r.anchor?.anchoredAt ?? null),
    years: r.years,
    withholdable: r.withholdable,
    ...(r.graduation ? { graduation: r.graduation } : {}),
  };
}

/** Root plugin: the citizen sign-in's browser routes (see app.ts). */
export function citizenSignInRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const signIn = app.services.citizenSignIn;
  registerSignInFlow(app, {
    audience: "citizen",
    startPath: "/cua-toi/dang-nhap",
    callbackPath: CITIZEN_CALLBACK_PATH,
    signOutPath: "/cua-toi/dang-xuat",
    landing: "/cua-toi",
    loginCookie: CITIZEN_LOGIN_COOKIE,
    sessionCookie: CITIZEN_SESSION_COOKIE,
    secureCookies: signIn?.secureCookies ?? false,
    idp: () => {
      if (!signIn?.idp)
        throw new HocbaError(
          "SIGN_IN_UNAVAILABLE",
          "citizen sign-in is not set up on this service (CITIZEN_OIDC_ISSUER_URL, or DEMO for the embedded provider)",
        );
      return signIn.idp;
    },
    citizen: signIn?.claims ?? { idClaim: "citizen_id", guardianClaim: "guardian_of" },
    signedIn: app.auth.citizen,
    personOf: (request) => request.citizen!,
    tag: "citizens",
    name: "Citizen",
  });
  done();
}

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function citizenRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.services;
  const { db } = services;
  const maxDays = () => services.citizenSignIn?.shareMaxDays ?? 365;
  const citizenOf = (request: FastifyRequest): CitizenSession => request.citizen!;
  const actor = (request: FastifyRequest) => citizenActor(citizenOf(request));

  api.get(
    "/me/records",
    {
      onRequest: app.auth.citizen,
      schema: {
        summary: "The signed-in citizen, their records (and their children's) and their share links",
        tags: ["citizens"],
        response: { 200: Me, ...errorResponses(401) },
      },
    },
    async (request, reply) => {
      const citizen = citizenOf(request);
      const records = await citizenRecords(db, citizen);
      const shares = await listShares(
        db,
        records.map((r) => r.id),
      );
      const opened = await openedCounts(
        db,
        shares.map((s) => s.id),
      );
      void reply.header("cache-control", "no-store");
      return {
        name: citizen.name,
        citizenId: maskCitizenId(citizen.citizenId),
        guardianOf: citizen.guardianOf.map(maskCitizenId),
        csrfToken: citizen.csrfToken,
        expiresAt: citizen.expiresAt.toISOString(),
        records: records.map(recordView),
        shares: shares.map((s) => shareView(s, opened.get(s.id) ?? 0)),
      };
    },
  );

  const granted = (request: FastifyRequest, extra: Record<string, unknown> = {}) => ({
    granted: { actor: actor(request), details: { holder: true, ...extra } },
  });

  api.get(
    "/me/records/:id/credential",
    {
      onRequest: app.auth.citizen,
      schema: {
        summary: "The credential file of one's own transcript (or a child's), whole or with parts withheld",
        tags: ["citizens"],
        params: IdParams,
        querystring: Type.Object({
          withhold: Type.Optional(Type.String({ pattern: WITHHOLD_PATTERN, maxLength: 200 })),
        }),
        response: { 200: CredentialSchema, ...errorResponses(400, 401, 404, 409) },
      },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      await checkHolderOf(db, citizenOf(request), id);
      const credential = await credentialFor(
        db,
        services.chain,
        granted(request),
        id,
        withholdOf(request.query.withhold),
      );
      return reply
        .header("cache-control", "no-store")
        .header("content-disposition", `attachment; filename="${id}.hocba.json"`)
        .send(credential);
    },
  );

  api.get(
    "/me/records/:id/pdf",
    {
      onRequest: app.auth.citizen,
      schema: {
        summary: "The printable PDF of one's own transcript; its QR code opens a share link made for it",
        description:
          "Each download makes a share link of kind pdf (whole, SHARE_MAX_DAYS long) for the QR code: it is " +
          "listed with the others and can be revoked.",
        tags: ["citizens"],
        params: IdParams,
        produces: ["application/pdf"],
        response: {
          200: Type.Unsafe<Uint8Array>({ type: "string", format: "binary", description: "application/pdf" }),
          ...errorResponses(401, 404, 409),
        },
      },
    },
    async (request, reply) => {
      const id = request.params.id.toLowerCase();
      await checkHolderOf(db, citizenOf(request), id);
      const publicUrl = publicUrlOf(request);
      const pdf = await documentPdf(
        { db, chain: services.chain, publicUrl, render: services.renderPdf },
        granted(request, { view: "pdf" }),
        id,
        async () => {
          const { token } = await createShare(
            db,
            { documentId: id, withhold: [], expiresInDays: maxDays(), kind: "pdf", actor: actor(request) },
            maxDays(),
          );
          return shareVerifierLink(publicUrl, token);
        },
      );
      return reply
        .type("application/pdf")
        .header("cache-control", "no-store")
        .header("content-disposition", `inline; filename="${id}.pdf"`)
        .send(Buffer.from(pdf.bytes.buffer, pdf.bytes.byteOffset, pdf.bytes.byteLength));
    },
  );

  api.post(
    "/me/shares",
    {
      onRequest: app.auth.citizen,
      schema: {
        summary: "Make a share link to one's own transcript: the parts to withhold and an expiry",
        description:
          "The link opens the verifier page on the reduced credential (hocba/2 with the withheld disclosures " +
          "left out); every opening is logged. Withholding from a hocba/1 transcript, or a year it does not " +
          "have, is 400 DISCLOSURE_INVALID.",
        tags: ["citizens"],
        body: ShareBody,
        response: { 201: ShareCreated, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const id = body.documentId.toLowerCase();
      await checkHolderOf(db, citizenOf(request), id);
      const { share, token } = await createShare(
        db,
        {
          documentId: id,
          withhold: body.withhold,
          ...(body.expiresInDays === undefined ? {} : { expiresInDays: body.expiresInDays }),
          actor: actor(request),
        },
        maxDays(),
      );
      return reply
        .status(201)
        .send({ share: shareView(share), token, url: shareVerifierLink(publicUrlOf(request), token) });
    },
  );

  api.post(
    "/me/shares/:shareId/revoke",
    {
      onRequest: app.auth.citizen,
      schema: {
        summary: "Revoke one of one's share links (it then answers 410 SHARE_REVOKED)",
        tags: ["citizens"],
        params: ShareParams,
        response: { 200: ShareView, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) => {
      const ids = await citizenDocumentIds(db, citizenOf(request));
      const share = await revokeShare(db, actor(request), request.params.shareId, ids);
      const opened = await openedCounts(db, [share.id]);
      return shareView(share, opened.get(share.id) ?? 0);
    },
  );

  api.get(
    "/me/shares/:shareId/accesses",
    {
      onRequest: app.auth.citizen,
      schema: {
        summary: "The access log of one's share link: when, which kind of client, from which network",
        tags: ["citizens"],
        params: ShareParams,
        response: { 200: Accesses, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const ids = await citizenDocumentIds(db, citizenOf(request));
      const share = await shareOfDocuments(db, request.params.shareId, ids);
      const accesses = await shareAccesses(db, share.id);
      return { accesses: accesses.map((a) => ({ ...a, at: a.at.toISOString() })) };
    },
  );

  api.get(
    "/shares/credential",
    {
      config: { rateLimit: { max: SHARE_READS_PER_MINUTE, timeWindow: 60_000 } },
      schema: {
        summary: "The credential a holder's share link opens, with the parts they withheld left out",
        description:
          "Public: the token is the permission. Unknown token 404; expired 410 SHARE_EXPIRED; revoked 410 " +
          "SHARE_REVOKED. Every opening is logged for the holder (time, kind of client, network /24 or /48).",
        tags: ["citizens"],
        querystring: Type.Object({ token: Type.String({ minLength: 1, maxLength: 200 }) }),
        response: { 200: CredentialSchema, ...errorResponses(400, 404, 409, 410, 429) },
      },
    },
    async (request, reply) => {
      const share = await openShare(db, request.query.token, {
        address: request.ip,
        userAgent: request.headers["user-agent"],
      });
      const credential = await credentialFor(
        db,
        services.chain,
        { granted: { actor: `share:${share.id}`, details: { shareId: share.id } } },
        share.documentId,
        share.withhold,
      );
      return reply
        .header("cache-control", "no-store")
        .header("content-disposition", `attachment; filename="${share.documentId}.hocba.json"`)
        .send(credential);
    },
  );
  done();
}
