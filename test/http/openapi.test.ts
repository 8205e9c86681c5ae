/**
 * The OpenAPI document at /docs/json tells a generated client how to authenticate: every operation
 * declares `security`, derived from the route's auth hook, and what it declares is what the route
 * does — an operation that needs credentials answers 401 without them, a public one does not.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { describedApi, type DescribedApi } from "../../scripts/lib/openapi-document";
import { operationIdOf, SECURITY_SCHEMES } from "../../service/src/http/openapi";

interface Operation {
  operationId?: string;
  security?: Array<Record<string, string[]>>;
  responses: Record<string, unknown>;
}
interface Document {
  servers?: Array<{ url: string }>;
  info: { license?: unknown };
  components: { securitySchemes: Record<string, unknown> };
  paths: Record<string, Record<string, Operation>>;
}

let api: DescribedApi;
let doc: Document;
let operations: Array<{ method: string; path: string; op: Operation }>;
beforeAll(async () => {
  api = await describedApi();
  doc = (await api.app.inject({ method: "GET", url: "/docs/json" })).json<Document>();
  operations = Object.entries(doc.paths).flatMap(([path, ops]) =>
    Object.entries(ops).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
  );
});
afterAll(() => api.close());

/** The path with every parameter replaced by a value no route accepts (so no handler runs). */
const concrete = (path: string) => path.replace(/\{[^}]+\}/g, "~");

describe("the OpenAPI document", () => {
  it("declares the security schemes of every kind of credential", () => {
    expect(doc.components.securitySchemes).toEqual(SECURITY_SCHEMES);
  });

  it("declares security on every operation, credentials on exactly the authenticated routes", () => {
    const authenticated = operations
      .filter(({ op }) => op.security !== undefined && op.security.length > 0)
      .map(({ method, path, op }) => `${method} ${path} ${JSON.stringify(op.security)}`);
    const school = '[{"issuerKey":[]},{"adminToken":[]}]';
    const schoolOrShare = '[{"issuerKey":[]},{"adminToken":[]},{"shareToken":[]}]';
    const admin = '[{"adminToken":[]}]';
    const optionalKey = '[{},{"verifierKey":[]}]';
    const staff = '[{"staffSession":[]}]';
    const adminOrStaff = '[{"adminToken":[]},{"staffSession":[]}]';
    const schoolOrStaff = '[{"staffSession":[]},{"deviceToken":[]},{"issuerKey":[]},{"adminToken":[]}]';
    const citizen = '[{"citizenSession":[]}]';
    expect([operations.filter(({ op }) => op.security === undefined), authenticated.sort()]).toEqual([
      [],
      [
        `DELETE /api/v1/admin/verifiers/{id} ${admin}`,
        `DELETE /api/v1/schools/{code}/staff ${adminOrStaff}`,
        `GET /api/v1/department/progress ${staff}`,
        `GET /api/v1/schools/{code}/staff ${adminOrStaff}`,
        `GET /api/v1/staff/me ${staff}`,
        `PUT /api/v1/schools/{code}/staff ${adminOrStaff}`,
        `POST /truong/dang-xuat ${staff}`,
        `GET /api/v1/me/records ${citizen}`,
        `GET /api/v1/me/records/{id}/credential ${citizen}`,
        `GET /api/v1/me/records/{id}/pdf ${citizen}`,
        `GET /api/v1/me/shares/{shareId}/accesses ${citizen}`,
        `POST /api/v1/me/shares ${citizen}`,
        `POST /api/v1/me/shares/{shareId}/revoke ${citizen}`,
        `POST /cua-toi/dang-xuat ${citizen}`,
        `DELETE /api/v1/transcripts/{id}/share/{tokenId} ${school}`,
        `GET /api/v1/drafts ${schoolOrStaff}`,
        `GET /api/v1/drafts/template.xlsx ${schoolOrStaff}`,
        `GET /api/v1/drafts/{id} ${schoolOrStaff}`,
        `GET /api/v1/drafts/{id}/signing-input ${schoolOrStaff}`,
        `GET /api/v1/drafts/archive.zip ${schoolOrStaff}`,
        `POST /api/v1/drafts/{id}/revoke ${schoolOrStaff}`,
        `POST /api/v1/drafts/{id}/correction ${schoolOrStaff}`,
        `POST /api/v1/drafts/import ${schoolOrStaff}`,
        `POST /api/v1/drafts/signatures ${schoolOrStaff}`,
        `POST /api/v1/drafts/{id}/signatures ${schoolOrStaff}`,
        `POST /api/v1/drafts/{id}/submission ${schoolOrStaff}`,
        `DELETE /api/v1/drafts/{id}/signatures/{role} ${schoolOrStaff}`,
        `POST /api/v1/drafts/{id}/shares ${schoolOrStaff}`,
        `GET /api/v1/drafts/{id}/shares ${schoolOrStaff}`,
        `POST /api/v1/drafts/{id}/shares/{shareId}/revoke ${schoolOrStaff}`,
        `DELETE /api/v1/staff/device-tokens/{id} ${staff}`,
        `GET /api/v1/staff/device-tokens ${staff}`,
        `POST /api/v1/staff/device-tokens ${staff}`,
        `GET /api/v1/admin/issuers/{code} ${admin}`,
        `GET /api/v1/graduates/search ${optionalKey}`,
        `GET /api/v1/transcripts/{id} ${school}`,
        `GET /api/v1/transcripts/{id}/credential ${schoolOrShare}`,
        `GET /api/v1/transcripts/{id}/pdf ${schoolOrShare}`,
        `POST /api/v1/admin/issuers ${admin}`,
        `POST /api/v1/admin/issuers/{code}/api-key ${admin}`,
        `POST /api/v1/admin/issuers/{code}/certificates ${admin}`,
        `POST /api/v1/admin/verifiers ${admin}`,
        `POST /api/v1/graduates/import ${school}`,
        `POST /api/v1/transcripts ${school}`,
        `POST /api/v1/transcripts/batch ${school}`,
        `POST /api/v1/transcripts/pdf ${school}`,
        `POST /api/v1/transcripts/{id}/revoke ${school}`,
        `POST /api/v1/transcripts/{id}/share ${school}`,
        `POST /api/v1/verify ${optionalKey}`,
        `POST /api/v1/verify/batch ${optionalKey}`,
        `PUT /api/v1/admin/issuers/{code}/required-roles ${admin}`,
      ].sort(),
    ]);
  });

  it("matches what the routes do: 401 without credentials exactly where credentials are required", async () => {
    const answers = await Promise.all(
      operations.map(async ({ method, path, op }) => {
        const res = await api.app.inject({ method: method as "GET", url: concrete(path) });
        const required =
          op.security !== undefined &&
          op.security.length > 0 &&
          !op.security.some((s) => Object.keys(s).length === 0);
        return { route: `${method} ${path}`, required, unauthorized: res.statusCode === 401 };
      }),
    );
    expect(answers.filter((a) => a.required !== a.unauthorized)).toEqual([]);
    expect(answers.filter((a) => a.required).length).toBe(48);
  });

  it("names every operation once and answers client errors in every one", () => {
    const ids = operations.map(({ op }) => op.operationId);
    expect([
      new Set(ids).size === ids.length,
      operations.filter(
        ({ method, path, op }) =>
          op.operationId !== operationIdOf(method, path.replace(/\{([^}]+)\}/g, ":$1")),
      ),
      operations.filter(({ op }) => !Object.keys(op.responses).some((status) => status.startsWith("4"))),
    ]).toEqual([true, [], []]);
  });

  it("names its server and licence", () => {
    expect([doc.servers, doc.info.license]).toEqual([
      [{ url: "/", description: "this service (PUBLIC_URL)" }],
      { name: "UNLICENSED (proprietary)", identifier: "LicenseRef-hocba-proprietary" },
    ]);
  });
});

describe("operationIdOf", () => {
  it("turns method and path into one camel-case name, parameters as By<Name>", () => {
    expect([
      operationIdOf("GET", "/api/v1/transcripts/:id/credential"),
      operationIdOf("DELETE", "/api/v1/transcripts/:id/share/:tokenId"),
      operationIdOf("POST", "/api/v1/admin/issuers/:code/api-key"),
      operationIdOf("GET", "/healthz"),
    ]).toEqual([
      "getTranscriptsByIdCredential",
      "deleteTranscriptsByIdShareByTokenId",
      "postAdminIssuersByCodeApiKey",
      "getHealthz",
    ]);
  });
});
