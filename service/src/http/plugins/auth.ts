/**
 * Authentication and authorization of the non-public routes. Each route states who may call it by
 * its hook: `app.auth.admin`, `app.auth.school` (a school's API key; the admin token is accepted
 * too, as the Department may act on any issuer's behalf), `app.auth.schoolOrShareToken` (the same,
 * or anyone with `?token=<share token>`, which the use case checks), `app.auth.district` (the API key of
 * a graduation authority — a district office or a department — or the admin token: the route
 * decides what the admin may do), and
 * `app.auth.optional` (public routes: anonymous callers pass, a presented key must be valid; the
 * verify routes lift their limits for it, the graduates search does not), `app.auth.staff(...roles)`
 * (a signed-in person's session cookie, holding one of `roles` at some school; no roles = anyone
 * signed in; every state-changing request must carry the session's CSRF token in X-CSRF-Token)
 * , `app.auth.adminOrStaff(...roles)` (the admin token, or such a session),
 * `app.auth.schoolOrStaff(...roles)` (such a session, the same person's device token, or a school's
 * API key / the admin token: the drafts routes) and `app.auth.citizen`
 * (a signed-in citizen's session cookie, CSRF the same way; the route gets `request.citizen` and
 * shows only that citizen's records — docs/citizens.md). A staff route gets
 * `request.staff` and checks the school itself (`holdsRole`). No credentials → 401
 * UNAUTHORIZED; valid credentials of the wrong kind — a verifier key, a district key on a
 * transcripts route, a school key on the graduates import — → 403 FORBIDDEN. Routes check
 * ownership (school code) themselves against `request.principal`. The OpenAPI document's
 * `security` of each operation is derived from these hooks (`authKindOf`, see ../openapi.ts), so it
 * cannot disagree.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Database } from "../../issuance/ports";
import { apiKeyAuthenticator, type ApiKeyPrincipal } from "../../auth/api-keys";
import { GRADUATION_AUTHORITY_KINDS, type IssuerKind } from "../../core/issuer-kinds";
import { bearerToken, secretMatches } from "../../auth/secrets";
import { HocbaError } from "../../core/errors";
import { assignmentsOf, type StaffRole } from "../../auth/staff";
import { authenticateDeviceToken, DEVICE_TOKEN_PREFIX } from "../../auth/device-tokens";
import {
  citizenSessionOf,
  csrfMatches,
  sessionOf,
  type CitizenSession,
  type SessionPolicy,
  type StaffSession,
} from "../../auth/sessions";

export type Principal =
  | { kind: "admin" }
  | { kind: "issuer"; keyId: string; issuerCode: string; issuerKind: IssuerKind }
  | { kind: "verifier"; keyId: string };

/** How the audit log names the holder of a key. */
export function actorOf(principal: Principal): string {
  switch (principal.kind) {
    case "admin":
      return "admin";
    case "issuer":
      return `issuer:${principal.issuerCode}:${principal.keyId}`;
    case "verifier":
      return `verifier:${principal.keyId}`;
  }
}

type PreHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Who a route's auth hook lets in. */
export type AuthKind =
  | "admin"
  | "school"
  | "schoolOrShareToken"
  | "district"
  | "optional"
  | "staff"
  | "adminOrStaff"
  | "schoolOrStaff"
  | "citizen";

/** The session cookie of signed-in staff (httpOnly, SameSite=Lax, Secure behind HTTPS). */
export const SESSION_COOKIE = "hocba_session";
/** The session cookie of a signed-in citizen (/cua-toi), the same attributes. */
export const CITIZEN_SESSION_COOKIE = "hocba_citizen_session";
/** The header carrying a session's CSRF token on every state-changing request. */
export const CSRF_HEADER = "x-csrf-token";

/** Does the signed-in person hold one of `roles` at `school` (any school when undefined)? */
export function holdsRole(staff: StaffSession, roles: readonly StaffRole[], school?: string): boolean {
  return staff.assignments.some(
    (a) => (school === undefined || a.school === school) && a.roles.some((r) => roles.includes(r)),
  );
}

const authKinds = new WeakMap<object, AuthKind>();

/** The kind of the first auth hook among a route's hooks (a function or an array of them), if any. */
export function authKindOf(hooks: unknown): AuthKind | undefined {
  for (const hook of Array.isArray(hooks) ? (hooks as unknown[]) : [hooks]) {
    const kind = typeof hook === "function" ? authKinds.get(hook) : undefined;
    if (kind !== undefined) return kind;
  }
  return undefined;
}

declare module "fastify" {
  interface FastifyRequest {
    principal?: Principal;
    /** The signed-in person of a staff route (its session cookie), with their assignments. */
    staff?: StaffSession;
    /** The signed-in citizen of a citizen route (its session cookie). */
    citizen?: CitizenSession;
  }
  interface FastifyInstance {
    auth: Record<Exclude<AuthKind, "staff" | "adminOrStaff" | "schoolOrStaff">, PreHandler> & {
      staff(...roles: StaffRole[]): PreHandler;
      adminOrStaff(...roles: StaffRole[]): PreHandler;
      schoolOrStaff(...roles: StaffRole[]): PreHandler;
    };
  }
}

export interface AuthOptions {
  db: Database;
  adminToken: string;
  /** Staff sessions' timeouts; without them no session is accepted. */
  sessions?: SessionPolicy;
  /** Citizen sessions' timeouts; without them no citizen session is accepted. */
  citizenSessions?: SessionPolicy;
}

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** CSRF_INVALID unless a state-changing request carries the session's CSRF token. */
function checkCsrf(request: FastifyRequest, session: { csrfToken: string }): void {
  if (SAFE_METHODS.has(request.method)) return;
  const presented = request.headers[CSRF_HEADER];
  if (!csrfMatches(session, typeof presented === "string" ? presented : undefined))
    throw new HocbaError(
      "CSRF_INVALID",
      `a state-changing request with a session needs the session's CSRF token in ${CSRF_HEADER}`,
    );
}

/** The principal a bearer token stands for, or undefined. */
async function principalOf(
  apiKey: (presented: string) => Promise<ApiKeyPrincipal | undefined>,
  adminToken: string,
  token: string,
): Promise<Principal | undefined> {
  if (secretMatches(token, adminToken)) return { kind: "admin" };
  const key = await apiKey(token);
  if (!key) return undefined;
  if (key.kind !== "issuer") return { kind: "verifier", keyId: key.keyId };
  if (key.issuerCode === null || key.issuerKind === null) return undefined;
  return { kind: "issuer", keyId: key.keyId, issuerCode: key.issuerCode, issuerKind: key.issuerKind };
}

export const authPlugin = fp(
  (app: FastifyInstance, options: AuthOptions, done: (err?: Error) => void) => {
    const apiKey = apiKeyAuthenticator(options.db);
    const identify = async (request: FastifyRequest, reply: FastifyReply): Promise<Principal> => {
      const token = bearerToken(request.headers.authorization);
      const principal =
        token === undefined ? undefined : await principalOf(apiKey, options.adminToken, token);
      if (!principal) {
        void reply.header("www-authenticate", 'Bearer realm="hocba"');
        throw new HocbaError(
          "UNAUTHORIZED",
          token === undefined ? "missing bearer token" : "invalid or revoked credentials",
        );
      }
      request.principal = principal;
      return principal;
    };
    app.decorateRequest("principal", undefined);
    /** A hook letting in the admin and the keys of issuers of `kinds`. */
    const issuerOf =
      (kinds: readonly IssuerKind[], forbidden: string): PreHandler =>
      async (request, reply) => {
        const p = await identify(request, reply);
        if (p.kind === "verifier" || (p.kind === "issuer" && !kinds.includes(p.issuerKind)))
          throw new HocbaError("FORBIDDEN", forbidden);
      };
    const school = issuerOf(["school"], "this route is for schools");
    app.decorateRequest("staff", undefined);
    /** The session of the request's cookie, CSRF checked on state-changing requests. */
    const identifyStaff = async (request: FastifyRequest): Promise<StaffSession> => {
      const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.[SESSION_COOKIE];
      if (cookie === undefined || options.sessions === undefined)
        throw new HocbaError("UNAUTHORIZED", "sign in first (/truong/dang-nhap)");
      const staff = await sessionOf(options.db, cookie, options.sessions);
      checkCsrf(request, staff);
      request.staff = staff;
      return staff;
    };
    const staff = (...roles: StaffRole[]): PreHandler => {
      const hook: PreHandler = async (request) => {
        const person = await identifyStaff(request);
        if (roles.length > 0 && !holdsRole(person, roles))
          throw new HocbaError("FORBIDDEN", `this needs one of the roles ${roles.join(", ")}`);
      };
      authKinds.set(hook, "staff");
      return hook;
    };
    const adminOrStaff = (...roles: StaffRole[]): PreHandler => {
      const staffHook = staff(...roles);
      const hook: PreHandler = async (request, reply) => {
        if (request.headers.authorization === undefined) return staffHook(request, reply);
        const p = await identify(request, reply);
        if (p.kind !== "admin")
          throw new HocbaError("FORBIDDEN", "this route is for the administrator or staff");
      };
      authKinds.set(hook, "adminOrStaff");
      return hook;
    };
    /**
     * The drafts routes' hook: a signed-in person (session cookie, CSRF on state changes), the same
     * person through a device token (`Authorization: Bearer hocba_d_…`, made in the workspace for
     * `hocba sign-pending`; no CSRF: it is not sent by a browser on its own), or a school's API key
     * or the admin token (integrators). Staff must hold one of `roles` at some school.
     */
    const schoolOrStaff = (...roles: StaffRole[]): PreHandler => {
      const staffHook = staff(...roles);
      const hook: PreHandler = async (request, reply) => {
        const token = bearerToken(request.headers.authorization);
        if (request.headers.authorization === undefined) return staffHook(request, reply);
        if (token?.startsWith(DEVICE_TOKEN_PREFIX)) {
          const device = await authenticateDeviceToken(options.db, token);
          const person = { issuer: device.issuer, subject: device.subject };
          request.staff = {
            ...person,
            name: device.name,
            csrfToken: "",
            assignments: await assignmentsOf(options.db, person),
            expiresAt: device.expiresAt,
            deviceTokenId: device.tokenId,
          };
          if (roles.length > 0 && !holdsRole(request.staff, roles))
            throw new HocbaError("FORBIDDEN", `this needs one of the roles ${roles.join(", ")}`);
          return;
        }
        await school(request, reply);
      };
      authKinds.set(hook, "schoolOrStaff");
      return hook;
    };
    app.decorateRequest("citizen", undefined);
    const citizen: PreHandler = async (request) => {
      const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.[
        CITIZEN_SESSION_COOKIE
      ];
      if (cookie === undefined || options.citizenSessions === undefined)
        throw new HocbaError("UNAUTHORIZED", "sign in first (/cua-toi/dang-nhap)");
      const session = await citizenSessionOf(options.db, cookie, options.citizenSessions);
      checkCsrf(request, session);
      request.citizen = session;
    };
    const auth: FastifyInstance["auth"] = {
      async admin(request, reply) {
        const p = await identify(request, reply);
        if (p.kind !== "admin") throw new HocbaError("FORBIDDEN", "this route is for the administrator");
      },
      school,
      async schoolOrShareToken(request, reply) {
        // With ?token= anyone may ask (the use case checks the token); without, a school or the admin.
        if ((request.query as { token?: unknown } | undefined)?.token === undefined)
          await school(request, reply);
      },
      district: issuerOf(
        GRADUATION_AUTHORITY_KINDS,
        "this route is for district offices and departments (Sở GDĐT)",
      ),
      async optional(request, reply) {
        // Optional: anonymous callers pass (rate-limited); a presented key must be valid.
        if (request.headers.authorization !== undefined) await identify(request, reply);
      },
      staff,
      adminOrStaff,
      schoolOrStaff,
      citizen,
    };
    for (const [kind, hook] of Object.entries(auth))
      if (kind !== "staff" && kind !== "adminOrStaff" && kind !== "schoolOrStaff")
        authKinds.set(hook, kind as AuthKind);
    app.decorate("auth", auth);
    done();
  },
  { name: "hocba-auth" },
);
