/**
 * The browser side of an OpenID Connect sign-in, one for each audience (staff at /truong,
 * citizens at /cua-toi — docs/staff-sign-in.md, docs/citizens.md): the start route sets a
 * pre-login cookie scoped to the callback path and redirects to the provider; the callback turns
 * the provider's answer into a session cookie (auth/sessions.ts) and redirects to the landing
 * page; sign-out deletes the session. Only the paths, cookie names and the provider differ.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { Type } from "@sinclair/typebox";
import {
  beginLogin,
  endSession,
  finishLogin,
  LOGIN_TTL_SECONDS,
  type Audience,
  type CitizenClaimNames,
} from "../../auth/sessions";
import type { StaffIdentityProvider, SignedInPerson } from "../../issuance/ports";
import { errorResponses } from "../schemas";

const SIGN_IN_PER_MINUTE = 30;

export interface SignInFlow {
  audience: Audience;
  /** e.g. /truong/dang-nhap */
  startPath: string;
  /** e.g. /auth/callback */
  callbackPath: string;
  /** e.g. /truong/dang-xuat */
  signOutPath: string;
  /** Where the browser lands once signed in, e.g. /truong */
  landing: string;
  loginCookie: string;
  sessionCookie: string;
  secureCookies: boolean;
  /** The provider, or SIGN_IN_UNAVAILABLE. */
  idp(): StaffIdentityProvider;
  /** Citizens: where the citizen ID is in the provider's claims. */
  citizen?: CitizenClaimNames;
  /** The auth hook of the sign-out route (the session it ends). */
  signedIn: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  /** The signed-in person of a request that passed `signedIn`. */
  personOf(request: FastifyRequest): SignedInPerson;
  /** OpenAPI tag and operation ids' suffix, e.g. staff / Staff. */
  tag: string;
  name: string;
}

/** Registers the start, callback and sign-out routes of one audience. */
export function registerSignInFlow(app: FastifyInstance, flow: SignInFlow): void {
  const { db } = app.services;
  const cookies = (request: FastifyRequest) => request.cookies as Record<string, string | undefined>;
  const rateLimit = { max: SIGN_IN_PER_MINUTE, timeWindow: 60_000 };

  app.get(
    flow.startPath,
    {
      config: { rateLimit },
      schema: {
        // A browser navigation, not an API call: not in the OpenAPI document.
        hide: true,
        summary: `Start a ${flow.audience} sign-in: redirects to the OpenID Provider`,
        operationId: `start${flow.name}SignIn`,
        tags: [flow.tag],
        response: {
          302: { description: "to the provider's authorization endpoint" },
          ...errorResponses(429, 503),
        },
      },
    },
    async (_request, reply) => {
      const { loginCookie, url } = await beginLogin(db, flow.idp(), flow.audience);
      void reply.setCookie(flow.loginCookie, loginCookie, {
        path: flow.callbackPath,
        httpOnly: true,
        sameSite: "lax",
        secure: flow.secureCookies,
        maxAge: LOGIN_TTL_SECONDS,
      });
      return reply.header("cache-control", "no-store").redirect(url, 302);
    },
  );

  app.get(
    flow.callbackPath,
    {
      config: { rateLimit },
      schema: {
        hide: true,
        summary: `The OpenID Provider's answer: opens a session and redirects to ${flow.landing}`,
        operationId: `finish${flow.name}SignIn`,
        tags: [flow.tag],
        querystring: Type.Object({}, { additionalProperties: true }),
        response: {
          303: { description: `signed in: to ${flow.landing}` },
          ...errorResponses(400, 429, 503),
        },
      },
    },
    async (request, reply) => {
      const base = app.services.publicUrl?.() ?? `${request.protocol}://${request.host}`;
      const { sessionCookie } = await finishLogin(db, flow.idp(), {
        loginCookie: cookies(request)[flow.loginCookie],
        callbackUrl: new URL(request.url, base),
        previousSession: cookies(request)[flow.sessionCookie],
        ...(flow.citizen ? { citizen: flow.citizen } : {}),
      });
      void reply.clearCookie(flow.loginCookie, { path: flow.callbackPath });
      void reply.setCookie(flow.sessionCookie, sessionCookie, {
        path: "/",
        httpOnly: true,
        sameSite: "lax",
        secure: flow.secureCookies,
      });
      return reply.header("cache-control", "no-store").redirect(flow.landing, 303);
    },
  );

  app.post(
    flow.signOutPath,
    {
      onRequest: flow.signedIn,
      schema: {
        summary: `Sign out: ends the ${flow.audience} session`,
        tags: [flow.tag],
        response: { 204: { description: "signed out", type: "null" }, ...errorResponses(401, 403) },
      },
    },
    async (request, reply) => {
      await endSession(db, cookies(request)[flow.sessionCookie]!, flow.personOf(request), flow.audience);
      void reply.clearCookie(flow.sessionCookie, { path: "/" });
      return reply.status(204).send();
    },
  );
}
