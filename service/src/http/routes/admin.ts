/**
 * The Department's administration API (docs/http-api.md): register schools, district offices and
 * departments,
 * rotate their signing certificates, replace a lost API key, and read an issuer back with the on-chain state of each
 * certificate. Admin token only. Handlers translate HTTP to issuance/issuers.ts; every call,
 * reads included, is written to the audit log, and every certificate change asks the anchoring
 * runner for a round so the on-chain issuer registry follows promptly.
 */
import { HEX32_PATTERN } from "../../core/encoding";
import { ISSUER_KINDS } from "../../core/issuer-kinds";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import {
  changeIssuerCertificates,
  MAX_CERTIFICATES,
  MAX_DEPARTMENT_DISTRICTS,
  MAX_REQUIRED_ROLES,
  registerIssuer,
  rotateApiKey,
  setRequiredRoles,
  viewIssuer,
} from "../../issuance/issuers";
import { createVerifierKey, revokeVerifierKey } from "../../auth/api-keys";
import { errorResponses } from "../schemas";

const CODE = "^[0-9A-Za-z]{2,20}$";

const CertificateInput = Type.Union(
  [
    Type.String({ minLength: 1, description: "PEM: the signer first, then any intermediate CAs" }),
    Type.Object(
      {
        pem: Type.String({ minLength: 1 }),
        role: Type.Optional(
          Type.String({ pattern: "^[a-z][a-z0-9_-]{0,31}$", description: "default principal" }),
        ),
      },
      { additionalProperties: false },
    ),
  ],
  { description: "a PEM certificate, or {pem, role}" },
);
const Certificate = Type.Object({
  fingerprint: Type.String({
    pattern: HEX32_PATTERN,
    description: "SHA-256 of the DER, as the registry knows it",
  }),
  subject: Type.String(),
  role: Type.String(),
});
const ROLE = "^[a-z][a-z0-9_-]{0,31}$";
const RequiredRoles = Type.Union(
  [Type.Array(Type.String({ pattern: ROLE }), { minItems: 1, maxItems: MAX_REQUIRED_ROLES }), Type.Null()],
  {
    description:
      'roles the issuer\'s documents must carry together, e.g. ["principal", "organisation"] (organisation: the school\'s seal certificate); null: REQUIRED_SIGNER_ROLES',
  },
);
const IssuerKindSchema = Type.Union(
  ISSUER_KINDS.map((kind) => Type.Literal(kind)),
  { description: "school, district (Phòng GDĐT) or department (Sở GDĐT)" },
);
const Districts = Type.Array(Type.String({ pattern: CODE }), {
  maxItems: MAX_DEPARTMENT_DISTRICTS,
  description:
    "a department's former district offices: registered districts, of no other department; it imports and corrects their graduation records",
});
const Department = Type.String({
  pattern: CODE,
  description: "a district office's department (a registered department)",
});
const RegisterBody = Type.Object(
  {
    kind: IssuerKindSchema,
    code: Type.String({
      pattern: CODE,
      description: "the school, district or department code of the documents",
    }),
    name: Type.String({ minLength: 1, maxLength: 300 }),
    certificates: Type.Array(CertificateInput, { minItems: 1, maxItems: MAX_CERTIFICATES }),
    requiredRoles: Type.Optional(RequiredRoles),
    districts: Type.Optional(Districts),
    department: Type.Optional(Department),
  },
  { additionalProperties: false },
);
const RolesBody = Type.Object({ requiredRoles: RequiredRoles }, { additionalProperties: false });
const RolesView = Type.Object({
  code: Type.String(),
  requiredRoles: Type.Union([Type.Array(Type.String()), Type.Null()]),
});
const Registered = Type.Object({
  code: Type.String(),
  kind: IssuerKindSchema,
  name: Type.String(),
  apiKey: Type.String({ description: "the issuer's API key: shown this once, never again" }),
  certificates: Type.Array(Certificate),
  requiredRoles: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: "null: REQUIRED_SIGNER_ROLES",
  }),
  districts: Type.Optional(Districts),
  department: Type.Optional(Type.Union([Department, Type.Null()])),
});
const CodeParams = Type.Object({ code: Type.String({ pattern: CODE }) });
const ChangeBody = Type.Object(
  {
    add: Type.Optional(Type.Array(CertificateInput, { maxItems: MAX_CERTIFICATES })),
    remove: Type.Optional(
      Type.Array(Type.String({ pattern: HEX32_PATTERN }), {
        maxItems: MAX_CERTIFICATES,
        description: "fingerprints of active certificates",
      }),
    ),
  },
  { additionalProperties: false },
);
const RotatedKey = Type.Object({
  code: Type.String(),
  apiKey: Type.String({ description: "the new API key: shown this once, never again" }),
  revoked: Type.Integer({ description: "how many earlier keys were revoked" }),
});
const ActiveCertificates = Type.Object({ code: Type.String(), certificates: Type.Array(Certificate) });
const Nullable = <T extends ReturnType<typeof Type.String | typeof Type.Integer>>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const OnChainState = Type.Union([
  Type.Object({
    state: Type.Union([Type.Literal("pending"), Type.Literal("submitted"), Type.Literal("confirmed")]),
    txHash: Nullable(Type.String()),
    blockNumber: Nullable(Type.Integer()),
    lastError: Nullable(Type.String()),
  }),
  Type.Null(),
]);
const IssuerView = Type.Object({
  code: Type.String(),
  kind: IssuerKindSchema,
  name: Type.String(),
  createdAt: Type.String({ format: "date-time" }),
  requiredRoles: Type.Union([Type.Array(Type.String()), Type.Null()], {
    description: "null: REQUIRED_SIGNER_ROLES",
  }),
  districts: Type.Optional(Districts),
  department: Type.Optional(Type.Union([Department, Type.Null()])),
  certificates: Type.Array(
    Type.Object({
      fingerprint: Type.String({ pattern: HEX32_PATTERN }),
      subject: Type.String(),
      role: Type.String(),
      addedAt: Type.String({ format: "date-time" }),
      removedAt: Nullable(Type.String({ format: "date-time" })),
      onChain: Type.Object(
        { add: OnChainState, remove: OnChainState },
        { description: "the registry writes of this interval (remove: null while active)" },
      ),
    }),
  ),
});

const VerifierBody = Type.Object(
  {
    label: Type.String({
      minLength: 1,
      maxLength: 200,
      description: "who holds it, e.g. a university's admissions office",
    }),
  },
  { additionalProperties: false },
);
const VerifierKey = Type.Object({
  id: Type.String(),
  label: Type.String(),
  apiKey: Type.String({ description: "the verifier's API key: shown this once, never again" }),
});
const KeyIdParams = Type.Object({ id: Type.String({ pattern: "^[0-9a-f]{12}$" }) });

const ACTOR = "admin";

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function adminRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const services = app.services;
  const deps = services.submission;
  const admin = app.auth.admin;

  api.post(
    "/admin/issuers",
    {
      onRequest: admin,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        tags: ["admin"],
        summary: "Register a school, district office or department",
        description:
          "Registers the issuer with its signing certificates (each must chain to the trust anchors, be valid now and allow signing) and creates its API key, returned once. The certificates' fingerprints go to the on-chain issuer registry. " +
          "A department (Sở GDĐT) lists its former district offices in `districts`; a district office registered later names its department in `department` (409 CONFLICT: a district of another department).",
        body: RegisterBody,
        response: { 201: Registered, ...errorResponses(400, 401, 403, 409, 413, 422, 500) },
      },
    },
    async (request, reply) => {
      const registered = await registerIssuer(deps, request.body, ACTOR);
      services.triggerAnchoring();
      return reply.status(201).send(registered);
    },
  );

  api.post(
    "/admin/issuers/:code/certificates",
    {
      onRequest: admin,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        tags: ["admin"],
        summary: "Add or remove signing certificates (key rotation)",
        description:
          "Removals first, then additions; the answer lists the issuer's active certificates. Both go to the on-chain issuer registry.",
        params: CodeParams,
        body: ChangeBody,
        response: { 200: ActiveCertificates, ...errorResponses(400, 401, 403, 404, 409, 413, 422, 500) },
      },
    },
    async (request) => {
      const { code } = request.params;
      const certificates = await changeIssuerCertificates(deps, code, request.body, ACTOR);
      services.triggerAnchoring();
      return { code, certificates };
    },
  );

  api.put(
    "/admin/issuers/:code/required-roles",
    {
      onRequest: admin,
      schema: {
        tags: ["admin"],
        summary: "Set the signer roles an issuer's documents require",
        description:
          "e.g. the principal and the school's organisation (seal) certificate. null returns the issuer to REQUIRED_SIGNER_ROLES. Applies to documents submitted from now on; audited.",
        params: CodeParams,
        body: RolesBody,
        response: { 200: RolesView, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request) => setRequiredRoles(services.db, request.params.code, request.body.requiredRoles, ACTOR),
  );

  api.post(
    "/admin/issuers/:code/api-key",
    {
      onRequest: admin,
      schema: {
        tags: ["admin"],
        summary: "Replace an issuer's API key (lost or leaked)",
        description: "Revokes every key the issuer has and returns a new one, once.",
        params: CodeParams,
        response: { 201: RotatedKey, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await rotateApiKey(services.db, request.params.code, ACTOR)),
  );

  api.get(
    "/admin/issuers/:code",
    {
      onRequest: admin,
      schema: {
        tags: ["admin"],
        summary: "An issuer with every certificate interval and its on-chain state",
        params: CodeParams,
        response: { 200: IssuerView, ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request) => viewIssuer(services.db, request.params.code, ACTOR),
  );

  api.post(
    "/admin/verifiers",
    {
      onRequest: admin,
      schema: {
        tags: ["admin"],
        summary: "Create a verifier API key (a university or employer verifying in bulk)",
        description: "The key lifts the public rate limits of the verify routes and opens nothing else.",
        body: VerifierBody,
        response: { 201: VerifierKey, ...errorResponses(400, 401, 403, 413, 500) },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await createVerifierKey(services.db, request.body.label, ACTOR)),
  );

  api.delete(
    "/admin/verifiers/:id",
    {
      onRequest: admin,
      schema: {
        tags: ["admin"],
        summary: "Revoke a verifier API key",
        params: KeyIdParams,
        response: { 204: Type.Null(), ...errorResponses(400, 401, 403, 404, 500) },
      },
    },
    async (request, reply) => {
      await revokeVerifierKey(services.db, request.params.id, ACTOR);
      return reply.status(204).send(null);
    },
  );
  done();
}
