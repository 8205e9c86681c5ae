/**
 * The OpenAPI document served at /docs/json, made in one place so that generated clients know how to
 * authenticate: the security schemes, and for every operation a `security` derived from the route's
 * auth hook (plugins/auth.ts) — never written by hand in a route, so it cannot disagree with what the
 * route accepts. Also here: an `operationId` derived from method and path (a route may state its
 * own), the tags, and a `4XX` error envelope for operations that declare no client error.
 * `npm run lint` checks the result with Redocly CLI's recommended rules (scripts/lint-openapi.ts).
 */
import type { FastifyDynamicSwaggerOptions, SwaggerTransform } from "@fastify/swagger";
import type { RouteOptions } from "fastify";
import { authKindOf, type AuthKind } from "./plugins/auth";
import { ERROR_ENVELOPE_REF } from "./schemas";

type SecurityRequirement = Record<string, string[]>;

/** The ways to authenticate, as OpenAPI security schemes. */
export const SECURITY_SCHEMES = {
  issuerKey: {
    type: "http",
    scheme: "bearer",
    description:
      "A school's, district office's or department's API key (`hocba_i_…`), given by the Department when it registers " +
      "the issuer: `Authorization: Bearer <key>`.",
  },
  adminToken: {
    type: "http",
    scheme: "bearer",
    description: "The Department's ADMIN_TOKEN: `Authorization: Bearer <token>`.",
  },
  verifierKey: {
    type: "http",
    scheme: "bearer",
    description:
      "A verifier API key (`hocba_v_…`) of a university or employer: lifts the verify routes' rate limit and " +
      "opens nothing else; any other valid key or the admin token lifts it too. No key lifts the graduates " +
      "search's limits (a search made with a key is audited).",
  },
  staffSession: {
    type: "apiKey",
    in: "cookie",
    name: "hocba_session",
    description:
      "A signed-in staff member's session cookie (sign in at /truong/dang-nhap through the OpenID Provider). " +
      "Every state-changing request must also send the session's CSRF token (GET /api/v1/staff/me, `csrfToken`) " +
      "in the X-CSRF-Token header; without it the answer is 403 CSRF_INVALID.",
  },
  deviceToken: {
    type: "http",
    scheme: "bearer",
    description:
      "A staff member's device token (`hocba_d_…`, made at POST /api/v1/staff/device-tokens and shown once): " +
      "`hocba sign-pending` acts as that person on the drafts routes with it. No CSRF token is needed.",
  },
  citizenSession: {
    type: "apiKey",
    in: "cookie",
    name: "hocba_citizen_session",
    description:
      "A signed-in citizen's session cookie (sign in at /cua-toi/dang-nhap through the national identity provider). " +
      "State-changing requests also send the session's CSRF token (GET /api/v1/me/records, `csrfToken`) in " +
      "X-CSRF-Token; without it the answer is 403 CSRF_INVALID.",
  },
  shareToken: {
    type: "apiKey",
    in: "query",
    name: "token",
    description: "A share token a school made for one document (`POST /api/v1/transcripts/{id}/share`).",
  },
} as const;

export type SecuritySchemeName = keyof typeof SECURITY_SCHEMES;

/**
 * Who may call a route, as OpenAPI security requirements (alternatives; `{}` = anonymous too, `[]`
 * = public).
 */
export const SECURITY_OF: Record<AuthKind | "public", SecurityRequirement[]> = {
  public: [],
  admin: [{ adminToken: [] }],
  school: [{ issuerKey: [] }, { adminToken: [] }],
  schoolOrShareToken: [{ issuerKey: [] }, { adminToken: [] }, { shareToken: [] }],
  district: [{ issuerKey: [] }, { adminToken: [] }],
  optional: [{}, { verifierKey: [] }],
  staff: [{ staffSession: [] }],
  adminOrStaff: [{ adminToken: [] }, { staffSession: [] }],
  schoolOrStaff: [{ staffSession: [] }, { deviceToken: [] }, { issuerKey: [] }, { adminToken: [] }],
  citizen: [{ citizenSession: [] }],
};

const TAGS = [
  {
    name: "transcripts",
    description: "Schools submit signed documents, read them back, revoke and share them.",
  },
  { name: "verification", description: "Anyone checks a credential, and reads what the checks need." },
  {
    name: "graduates",
    description:
      "District offices, and since 2025 the departments for their former districts, import graduates lists; anyone looks a record up.",
  },
  {
    name: "drafts",
    description: "Schools import a class workbook into unsigned drafts and read them back.",
  },
  {
    name: "admin",
    description: "The Department registers issuers and their certificates, and verifier keys.",
  },
  {
    name: "staff",
    description:
      "School staff and the department sign in through OpenID Connect; the admin and school-admins assign roles.",
  },
  {
    name: "citizens",
    description:
      "Graduates and their guardians sign in, see their own records and make share links they control.",
  },
  { name: "ops", description: "Liveness, readiness and metrics." },
];

/** Who may call the route: the kind of its auth hook, or public. */
export function authOf(
  route: Pick<RouteOptions, "onRequest" | "preValidation" | "preHandler">,
): AuthKind | "public" {
  return (
    authKindOf(route.onRequest) ?? authKindOf(route.preValidation) ?? authKindOf(route.preHandler) ?? "public"
  );
}

/** `GET /api/v1/transcripts/:id/credential` → `getTranscriptsByIdCredential`. */
export function operationIdOf(method: string, url: string): string {
  const words = url
    .replace(/^\/api\/v\d+/, "")
    .split("/")
    .filter((segment) => segment !== "")
    .map((segment) => (segment.startsWith(":") ? `by-${segment.slice(1)}` : segment))
    .flatMap((segment) => segment.split(/[^0-9A-Za-z]+/))
    .filter((word) => word !== "");
  return [method.toLowerCase(), ...words.map((w) => w[0]!.toUpperCase() + w.slice(1))].join("");
}

function hasClientError(response: Record<string, unknown>): boolean {
  return Object.keys(response).some((status) => /^4(\d\d|XX)$/.test(status));
}

/** The document as a route contributes to it (swagger's `transform`). */
const transform: SwaggerTransform = ({ schema, url, route }) => {
  const method = Array.isArray(route.method) ? String(route.method[0]) : route.method;
  const response: Record<string, unknown> = { ...(schema?.response as Record<string, unknown> | undefined) };
  return {
    url,
    schema: {
      ...schema,
      operationId:
        (schema as { operationId?: string } | undefined)?.operationId ?? operationIdOf(method, url),
      security: SECURITY_OF[authOf(route)],
      response: hasClientError(response)
        ? response
        : { ...response, "4XX": { ...ERROR_ENVELOPE_REF, description: "a request the route cannot take" } },
    },
  };
};

/** Options of @fastify/swagger. */
export const OPENAPI_OPTIONS: FastifyDynamicSwaggerOptions = {
  openapi: {
    openapi: "3.1.0",
    info: {
      title: "hocba API",
      version: "1",
      description:
        "học bạ số — verifiable school transcripts anchored on a permissioned EVM chain. Errors are " +
        '`{"error": {"code", "message", "details"}}` with stable codes; see docs/http-api.md in the repository.',
      license: { name: "UNLICENSED (proprietary)", identifier: "LicenseRef-hocba-proprietary" },
    },
    servers: [{ url: "/", description: "this service (PUBLIC_URL)" }],
    tags: TAGS,
    components: { securitySchemes: SECURITY_SCHEMES },
  },
  // Shared schemas (addSchema with an $id) appear under their $id, not as def-N.
  refResolver: {
    buildLocalReference: (json, _baseUri, _fragment, i) =>
      typeof json.$id === "string" ? json.$id : `def-${i}`,
  },
  transform,
};
