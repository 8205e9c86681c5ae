/**
 * Authentication and authorization of the non-public routes. Each route states who may call it by
 * its hook: `app.auth.admin`, `app.auth.school` (a school's API key; the admin token is accepted
 * too, as the Department may act on any issuer's behalf), `app.auth.schoolOrShareToken` (the same,
 * or anyone with `?token=<share token>`, which the use case checks), `app.auth.district` (a district
 * office's API key, or the admin token: the route decides what the admin may do), and
 * `app.auth.optional` (public routes: anonymous callers pass, a presented key must be valid; the
 * verify routes lift their limits for it, the graduates search does not). No credentials → 401
 * UNAUTHORIZED; valid credentials of the wrong kind — a verifier key, a district key on a
 * transcripts route, a school key on the graduates import — → 403 FORBIDDEN. Routes check
 * ownership (school code) themselves against `request.principal`. The OpenAPI document's
 * `security` of each operation is derived from these hooks (`authKindOf`, see ../openapi.ts), so it
 * cannot disagree.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Database } from "../../issuance/ports";
import { authenticateApiKey, type IssuerKind } from "../../auth/api-keys";
import { bearerToken, secretMatches } from "../../auth/secrets";
import { HocbaError } from "../../core/errors";

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
export type AuthKind = "admin" | "school" | "schoolOrShareToken" | "district" | "optional";

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
  }
  interface FastifyInstance {
    auth: Record<AuthKind, PreHandler>;
  }
}

export interface AuthOptions {
  db: Database;
  adminToken: string;
}

/** The principal a bearer token stands for, or undefined. */
async function principalOf(db: Database, adminToken: string, token: string): Promise<Principal | undefined> {
  if (secretMatches(token, adminToken)) return { kind: "admin" };
  const key = await authenticateApiKey(db, token);
  if (!key) return undefined;
  if (key.kind !== "issuer") return { kind: "verifier", keyId: key.keyId };
  if (key.issuerCode === null || key.issuerKind === null) return undefined;
  return { kind: "issuer", keyId: key.keyId, issuerCode: key.issuerCode, issuerKind: key.issuerKind };
}

export const authPlugin = fp(
  (app: FastifyInstance, options: AuthOptions, done: (err?: Error) => void) => {
    const identify = async (request: FastifyRequest, reply: FastifyReply): Promise<Principal> => {
      const token = bearerToken(request.headers.authorization);
      const principal =
        token === undefined ? undefined : await principalOf(options.db, options.adminToken, token);
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
    /** A hook letting in the admin and the keys of issuers of `kind`. */
    const issuerOf =
      (kind: IssuerKind, forbidden: string): PreHandler =>
      async (request, reply) => {
        const p = await identify(request, reply);
        if (p.kind === "verifier" || (p.kind === "issuer" && p.issuerKind !== kind))
          throw new HocbaError("FORBIDDEN", forbidden);
      };
    const school = issuerOf("school", "this route is for schools");
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
      district: issuerOf("district", "this route is for district offices"),
      async optional(request, reply) {
        // Optional: anonymous callers pass (rate-limited); a presented key must be valid.
        if (request.headers.authorization !== undefined) await identify(request, reply);
      },
    };
    for (const [kind, hook] of Object.entries(auth)) authKinds.set(hook, kind as AuthKind);
    app.decorate("auth", auth);
    done();
  },
  { name: "hocba-auth" },
);
