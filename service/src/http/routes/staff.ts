/**
 * Staff sign-in and the school workspace's first routes (docs/staff-sign-in.md):
 *   GET  /truong/dang-nhap      start: a pre-login cookie, then the OpenID Provider (302)
 *   GET  /auth/callback         the provider's answer: a new session cookie, then /truong (303)
 *   POST /truong/dang-xuat      sign out (session + CSRF token)
 *   GET  /api/v1/staff/me       who is signed in: name, schools and roles, the CSRF token
 *   GET  /api/v1/department/progress   every school's documents counted by state (role department)
 *   GET/PUT/DELETE /api/v1/schools/:code/staff   who has which roles at a school (admin or its school-admin)
 *   POST/GET /api/v1/staff/device-tokens, DELETE /api/v1/staff/device-tokens/:id   the signed-in
 *        person's device tokens for `hocba sign-pending` (docs/school-signing.md)
 * Handlers translate HTTP to auth/sessions.ts, auth/staff.ts and issuance/progress.ts.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import {
  assignStaff,
  listStaff,
  SCHOOL_ROLES,
  STAFF_ROLES,
  staffActor,
  unassignStaff,
  type AssignmentActor,
  type StaffAssignmentRow,
} from "../../auth/staff";
import { HocbaError } from "../../core/errors";
import { createDeviceToken, listDeviceTokens, revokeDeviceToken } from "../../auth/device-tokens";
import { PROGRESS_STATES, schoolsProgress } from "../../issuance/progress";
import { CSRF_HEADER, SESSION_COOKIE } from "../plugins/auth";
import { errorResponses } from "../schemas";
import { registerSignInFlow } from "./sign-in-flow";

/** The pre-login cookie, sent back only to the callback. */
export const LOGIN_COOKIE = "hocba_login";
const CALLBACK_PATH = "/auth/callback";
const CODE = "^[0-9A-Za-z]{2,32}$";

const Role = Type.Union(STAFF_ROLES.map((r) => Type.Literal(r)));
const Assignment = Type.Object({
  school: Type.String({ description: "school code (a department code for the role department)" }),
  roles: Type.Array(Role),
  classes: Type.Array(Type.String(), { description: "a homeroom teacher's classes" }),
});
const Me = Type.Object({
  name: Type.String(),
  issuer: Type.String({ description: "the OpenID Provider that signed the person in" }),
  subject: Type.String(),
  assignments: Type.Array(Assignment),
  csrfToken: Type.String({ description: `send it in ${CSRF_HEADER} with every state-changing request` }),
  expiresAt: Type.String({ format: "date-time", description: "the absolute end of the session" }),
});
const Counts = Type.Object(
  Object.fromEntries(PROGRESS_STATES.map((s) => [s, Type.Integer({ minimum: 0 })])) as Record<
    (typeof PROGRESS_STATES)[number],
    ReturnType<typeof Type.Integer>
  >,
);
const Progress = Type.Object({
  schools: Type.Array(
    Type.Object({ code: Type.String(), name: Type.String(), counts: Counts, total: Type.Integer() }),
  ),
  states: Type.Array(Type.String()),
});
const StaffRow = Type.Object({
  issuer: Type.String(),
  subject: Type.String(),
  school: Type.String(),
  roles: Type.Array(Role),
  classes: Type.Array(Type.String()),
  label: Type.Union([Type.String(), Type.Null()]),
  createdBy: Type.String(),
  updatedAt: Type.String({ format: "date-time" }),
});
const CodeParams = Type.Object({ code: Type.String({ pattern: CODE }) });
const AssignBody = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 500, description: "the OpenID Provider's issuer URL" }),
    subject: Type.String({ minLength: 1, maxLength: 255, description: "the person's `sub` there" }),
    roles: Type.Array(Role, { minItems: 1, maxItems: STAFF_ROLES.length }),
    classes: Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 32 }), { maxItems: 50 })),
    label: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  },
  { additionalProperties: false },
);
const PersonQuery = Type.Object(
  {
    issuer: Type.String({ minLength: 1, maxLength: 500 }),
    subject: Type.String({ minLength: 1, maxLength: 255 }),
  },
  { additionalProperties: false },
);

function rowView(row: StaffAssignmentRow) {
  return { ...row, updatedAt: row.updatedAt.toISOString() };
}

/** Plugin registered at the root (sign-in pages' routes) — see app.ts. */
export function signInRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const { staffSignIn } = app.services;
  const secure = staffSignIn?.secureCookies ?? false;
  const idpOf = () => {
    if (!staffSignIn?.idp)
      throw new HocbaError(
        "SIGN_IN_UNAVAILABLE",
        "staff sign-in is not set up on this service (OIDC_ISSUER_URL, or DEMO for the embedded provider)",
      );
    return staffSignIn.idp;
  };

  registerSignInFlow(app, {
    audience: "staff",
    startPath: "/truong/dang-nhap",
    callbackPath: CALLBACK_PATH,
    signOutPath: "/truong/dang-xuat",
    landing: "/truong",
    loginCookie: LOGIN_COOKIE,
    sessionCookie: SESSION_COOKIE,
    secureCookies: secure,
    idp: idpOf,
    signedIn: app.auth.staff(),
    personOf: (request) => request.staff!,
    tag: "staff",
    name: "Staff",
  });

  const embedded = staffSignIn?.embeddedProvider;
  if (embedded) {
    // The embedded OpenID Provider reads its own bodies: no parser here consumes the stream.
    app.register((idp, _o, registered) => {
      idp.removeAllContentTypeParsers();
      idp.addContentTypeParser("*", (_request, _payload, parsed) => parsed(null, undefined));
      const handler = (request: FastifyRequest, reply: FastifyReply) => {
        reply.hijack();
        embedded.handle(request.raw, reply.raw);
      };
      for (const url of [embedded.prefix, `${embedded.prefix}/*`])
        idp.route({
          method: ["GET", "POST"],
          url,
          config: { rateLimit: { max: 120, timeWindow: 60_000 } },
          schema: { hide: true },
          handler,
        });
      registered();
    });
  }
  done();
}

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function staffRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const api = app.withTypeProvider<TypeBoxTypeProvider>();
  const { db } = app.services;
  const actorOf = (request: FastifyRequest): AssignmentActor =>
    request.staff
      ? {
          kind: "staff",
          actor: staffActor(request.staff),
          adminOf: request.staff.assignments
            .filter((a) => a.roles.includes("school-admin"))
            .map((a) => a.school),
        }
      : { kind: "admin" };

  api.get(
    "/staff/me",
    {
      onRequest: app.auth.staff(),
      schema: {
        summary: "Who is signed in: name, schools and roles, and the session's CSRF token",
        tags: ["staff"],
        response: { 200: Me, ...errorResponses(401) },
      },
    },
    (request) => {
      const staff = request.staff!;
      return {
        name: staff.name,
        issuer: staff.issuer,
        subject: staff.subject,
        assignments: staff.assignments,
        csrfToken: staff.csrfToken,
        expiresAt: staff.expiresAt.toISOString(),
      };
    },
  );

  api.get(
    "/department/progress",
    {
      onRequest: app.auth.staff("department"),
      schema: {
        summary: "Every school's documents counted by state (department officers; no student's record)",
        tags: ["staff"],
        response: { 200: Progress, ...errorResponses(401, 403) },
      },
    },
    async (request) => ({
      schools: await schoolsProgress(db, staffActor(request.staff!)),
      states: [...PROGRESS_STATES],
    }),
  );

  const manage = app.auth.adminOrStaff("school-admin");
  api.get(
    "/schools/:code/staff",
    {
      onRequest: manage,
      schema: {
        summary: "The people who hold roles at a school (the admin or the school's school-admin; audited)",
        tags: ["staff"],
        params: CodeParams,
        response: { 200: Type.Object({ staff: Type.Array(StaffRow) }), ...errorResponses(401, 403) },
      },
    },
    async (request) => ({
      staff: (await listStaff(db, request.params.code, actorOf(request))).map(rowView),
    }),
  );

  api.put(
    "/schools/:code/staff",
    {
      onRequest: manage,
      bodyLimit: app.bodyLimits.authenticated,
      schema: {
        summary:
          "Give a person (issuer + subject) roles at a school, replacing those they had there (audited)",
        description:
          `School roles: ${SCHOOL_ROLES.join(", ")} (homeroom with its classes). The role department, at a ` +
          "department code, is given by the admin only.",
        tags: ["staff"],
        params: CodeParams,
        body: AssignBody,
        response: { 200: StaffRow, ...errorResponses(400, 401, 403, 404) },
      },
    },
    async (request) =>
      rowView(await assignStaff(db, { ...request.body, school: request.params.code }, actorOf(request))),
  );

  api.delete(
    "/schools/:code/staff",
    {
      onRequest: manage,
      schema: {
        summary: "Take every role of a person at a school away (audited)",
        tags: ["staff"],
        params: CodeParams,
        querystring: PersonQuery,
        response: { 204: { description: "removed", type: "null" }, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await unassignStaff(db, { ...request.query, school: request.params.code }, actorOf(request));
      return reply.status(204).send();
    },
  );
  const DeviceToken = Type.Object({
    id: Type.String({ format: "uuid" }),
    label: Type.String(),
    createdAt: Type.String({ format: "date-time" }),
    expiresAt: Type.String({ format: "date-time" }),
    lastUsedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: "date-time" }), Type.Null()]),
  });
  api.post(
    "/staff/device-tokens",
    {
      onRequest: app.auth.staff(),
      schema: {
        summary: "Make a device token for `hocba sign-pending` (shown once; audited)",
        description:
          "The token acts as the signed-in person on the drafts routes only (Authorization: Bearer hocba_d_…), with the roles " +
          "the person holds at each request. Only its SHA-256 is kept: it is in this answer and nowhere else. At most 20 live " +
          "tokens per person (409 CONFLICT).",
        tags: ["staff"],
        body: Type.Object(
          {
            label: Type.String({
              minLength: 1,
              maxLength: 100,
              description: "which station, e.g. “Máy phòng hiệu trưởng”",
            }),
            expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 365, default: 90 })),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Intersect([
            DeviceToken,
            Type.Object({ token: Type.String({ description: "shown once" }) }),
          ]),
          ...errorResponses(400, 401, 403, 409),
        },
      },
    },
    async (request, reply) => {
      const staff = request.staff!;
      const made = await createDeviceToken(db, staff, {
        label: request.body.label,
        expiresInDays: request.body.expiresInDays ?? 90,
      });
      return reply.header("cache-control", "no-store").status(201).send(made);
    },
  );
  api.get(
    "/staff/device-tokens",
    {
      onRequest: app.auth.staff(),
      schema: {
        summary: "The signed-in person's device tokens (without their values)",
        tags: ["staff"],
        response: { 200: Type.Object({ tokens: Type.Array(DeviceToken) }), ...errorResponses(401) },
      },
    },
    async (request) => ({ tokens: await listDeviceTokens(db, request.staff!) }),
  );
  api.delete(
    "/staff/device-tokens/:id",
    {
      onRequest: app.auth.staff(),
      schema: {
        summary: "Revoke one of the signed-in person's device tokens (audited)",
        tags: ["staff"],
        params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
        response: { 204: { description: "revoked", type: "null" }, ...errorResponses(401, 403, 404) },
      },
    },
    async (request, reply) => {
      await revokeDeviceToken(db, request.staff!, request.params.id);
      return reply.status(204).send();
    },
  );
  done();
}
