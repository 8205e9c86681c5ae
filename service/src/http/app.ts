/**
 * The Fastify application as a function of its dependencies (fastify/demo style): `buildApp`
 * never listens — server.ts does — so tests build it and call `app.inject`. External plugins load
 * first (security headers, rate limiting, OpenAPI), then the error handlers, then the routes.
 * Every route declares a schema, including its error answers; OpenAPI is served at /docs.
 */
import Fastify, {
  type FastifyInstance,
  type FastifyPluginAsync,
  type FastifyPluginCallback,
  type FastifyServerOptions,
} from "fastify";
import cookie from "@fastify/cookie";
import helmet from "@fastify/helmet";
import rateLimit from "@fastify/rate-limit";
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import type { Redis } from "ioredis";
import { HocbaError } from "../core/errors";
import { ErrorEnvelopeSchema } from "./schemas";
import { errorEnvelope, handleError } from "./errors";
import { installInputGuard } from "./input-guard";
import { authPlugin } from "./plugins/auth";
import { OPENAPI_OPTIONS } from "./openapi";
import { metricsPlugin, type OperationsMetrics } from "./plugins/metrics";
import { IPV6_CLIENT_PREFIX, quotaPlugin } from "./plugins/quota";
import { defaultPagesDir, pagesPlugin } from "./plugins/pages";
import { healthRoutes, type ReadinessProbe } from "./routes/health";
import type { ChainHealth } from "../issuance/ports";
import type { AppServices } from "./services";

/**
 * The API's route plugins, registered under /api/v1 when the app is built with services. Each
 * module exports a plugin that takes what it needs from `app.services`.
 */
const API_ROUTES: ReadonlyArray<() => Promise<FastifyPluginCallback | FastifyPluginAsync>> = [
  () => import("./routes/transcripts").then((m) => m.transcriptRoutes),
  () => import("./routes/anchors").then((m) => m.anchorRoutes),
  () => import("./routes/admin").then((m) => m.adminRoutes),
  () => import("./routes/verify").then((m) => m.verifyRoutes),
  () => import("./routes/graduates").then((m) => m.graduateRoutes),
  () => import("./routes/drafts").then((m) => m.draftRoutes),
  () => import("./routes/public-chain").then((m) => m.publicChainRoutes),
  () => import("./routes/staff").then((m) => m.staffRoutes),
  () => import("./routes/signed-pdfs").then((m) => m.signedPdfRoutes),
  () => import("./routes/citizens").then((m) => m.citizenRoutes),
];

/** Largest body of a public route without a limit of its own (PUBLIC_BODY_LIMIT_BYTES default). */
export const DEFAULT_PUBLIC_BODY_LIMIT = 65_536;
/** Largest body of POST /api/v1/verify/batch (VERIFY_BATCH_BODY_LIMIT_BYTES default). */
export const DEFAULT_VERIFY_BATCH_BODY_LIMIT = 8_388_608;

declare module "fastify" {
  interface FastifyInstance {
    /** Body limits by kind of route: routes declare `bodyLimit` from here (see AppOptions). */
    bodyLimits: { authenticated: number; verifyBatch: number };
  }
}

export interface AppOptions {
  /**
   * Largest body of the routes that authenticate before reading it (BODY_LIMIT_BYTES): submit,
   * batch submit, graduates import, administration.
   */
  bodyLimit: number;
  /**
   * Largest body anywhere else (PUBLIC_BODY_LIMIT_BYTES; default 64 KiB): POST /verify (a credential
   * is ~7 KB), unknown routes. Public routes are read before anyone is known.
   */
  publicBodyLimit?: number;
  /** Largest body of POST /verify/batch (VERIFY_BATCH_BODY_LIMIT_BYTES; 1,000 credentials). */
  verifyBatchBodyLimit?: number;
  /** Readiness probes by dependency name (db, queue, chain). */
  probes?: Record<string, ReadinessProbe>;
  /** Anchoring and chain-error metrics for /metrics (the service passes them; tests of the shell need not). */
  metrics?: OperationsMetrics;
  /** The embedded chain's supervisor state, reported by /healthz (none with an external chain). */
  embeddedChain?: () => ChainHealth;
  /**
   * A pino logger shared with the rest of the process, made with `loggerOptions` (logging.ts) so
   * that no secret or personal value reaches a log line; none = no logging.
   */
  loggerInstance?: FastifyServerOptions["loggerInstance"];
  /**
   * The proxies whose X-Forwarded-For gives the client address the limits count (TRUST_PROXY, see
   * trustProxyOption in config.ts): addresses/CIDRs; default none.
   */
  trustProxy?: string[];
  /** The service behind the API; without it only the operational routes exist (tests of the shell). */
  services?: AppServices;
  /**
   * The built public pages (verifier at /, lookup at /tra-cuu); default verifier-web/dist of this
   * installation, null for none. A folder without index.html makes the pages answer 503.
   */
  pagesDir?: string | null;
  /**
   * Where the public rate limits count: a Redis shared by every service process (with REDIS_URL),
   * so that an address gets the limit once and not once per process; default this process's
   * memory. While Redis is away the limits are not applied rather than the routes failing.
   */
  rateLimitStore?: { redis: Redis; nameSpace: string };
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: false }),
    bodyLimit: options.publicBodyLimit ?? DEFAULT_PUBLIC_BODY_LIMIT,
    trustProxy: options.trustProxy ?? false,
    // Requests Fastify refuses before routing (a URL that is not valid percent-encoding) get the
    // same coded envelope as every other error.
    frameworkErrors: (error, request, reply) => {
      void handleError(error, request, reply);
    },
    ajv: { customOptions: { allErrors: true, removeAdditional: false, coerceTypes: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate("bodyLimits", {
    authenticated: options.bodyLimit,
    verifyBatch: options.verifyBatchBodyLimit ?? DEFAULT_VERIFY_BATCH_BODY_LIMIT,
  });
  installInputGuard(app);
  app.addSchema(ErrorEnvelopeSchema);
  await app.register(helmet, {
    // The verifier page is served from the same origin and runs its checks in the browser.
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        // The verifier page may read the registry from a read-only RPC node of the verifier's
        // choice (?rpc=): HTTPS anywhere, or plain HTTP on this machine. Scripts stay 'self' only.
        connectSrc: ["'self'", "https:", "http://127.0.0.1:*", "http://localhost:*"],
      },
    },
  });
  // Routes opt in with `config.rateLimit`; nothing is limited globally. Clients are counted by
  // address, IPv6 by /64 (plugins/quota.ts).
  await app.register(rateLimit, {
    global: false,
    ipv6Subnet: IPV6_CLIENT_PREFIX,
    ...(options.rateLimitStore
      ? {
          redis: options.rateLimitStore.redis,
          nameSpace: options.rateLimitStore.nameSpace,
          skipOnError: true,
        }
      : {}),
    errorResponseBuilder: (_request, context) =>
      Object.assign(new HocbaError("RATE_LIMITED", `too many requests: retry in ${context.after}`), {
        statusCode: 429,
      }),
  });
  // Staff sessions ride on an httpOnly cookie (routes/staff.ts); nothing else reads cookies.
  await app.register(cookie);
  await app.register(swagger, OPENAPI_OPTIONS);
  await app.register(swaggerUi, { routePrefix: "/docs" });
  await app.register(metricsPlugin, options.metrics ?? {});
  await app.register(quotaPlugin, { store: options.rateLimitStore });

  app.setErrorHandler(handleError);
  app.setNotFoundHandler({ preHandler: app.rateLimit({ max: 120, timeWindow: 60_000 }) }, (request, reply) =>
    reply
      .status(404)
      .send(errorEnvelope(new HocbaError("NOT_FOUND", `no route ${request.method} ${request.url}`))),
  );

  await app.register(healthRoutes(options.probes ?? {}, options.embeddedChain));
  const pagesDir = options.pagesDir === undefined ? defaultPagesDir() : options.pagesDir;
  if (pagesDir !== null) await app.register(pagesPlugin, { root: pagesDir });
  if (options.services) {
    app.decorate("services", options.services);
    const sessions = options.services.staffSignIn?.policy;
    const citizenSessions = options.services.citizenSignIn?.policy;
    await app.register(authPlugin, {
      db: options.services.db,
      adminToken: options.services.adminToken,
      ...(sessions ? { sessions } : {}),
      ...(citizenSessions ? { citizenSessions } : {}),
    });
    for (const load of API_ROUTES) await app.register(await load(), { prefix: "/api/v1" });
    await app.register((await import("./routes/staff")).signInRoutes);
    await app.register((await import("./routes/citizens")).citizenSignInRoutes);
  }
  return app;
}
