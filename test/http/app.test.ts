import { randomBytes } from "node:crypto";
import { Writable } from "node:stream";
import { pino } from "pino";
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HocbaError, ERROR_CODES } from "../../service/src/core/errors";
import { buildApp } from "../../service/src/http/app";
import { fromFastifyError, HTTP_STATUS } from "../../service/src/http/errors";
import { freePort } from "../../service/src/adapters/chain/anvil";
import { fastFailingRedis } from "../../service/src/adapters/queue/bullmq";
import { REDIS_URL, serviceAvailable } from "../helpers/services";

const redisReady = await serviceAvailable("redis");
let app: FastifyInstance;
let chainUp = true;
const logLines: string[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, callback) {
    logLines.push(chunk.toString());
    callback();
  },
});

beforeAll(async () => {
  app = await buildApp({
    bodyLimit: 1024,
    publicBodyLimit: 1024,
    probes: {
      database: () => Promise.resolve(),
      chain: () =>
        chainUp ? Promise.resolve() : Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:8545")),
      queue: () => Promise.resolve(),
    },
    loggerInstance: pino({ level: "warn" }, logStream),
  });
  // Routes that exist only in this test, to drive the error handler.
  app.post(
    "/test/echo",
    {
      schema: {
        body: Type.Object(
          { name: Type.String({ minLength: 1 }), year: Type.Integer({ minimum: 2000 }) },
          { additionalProperties: false },
        ),
      },
    },
    (request) => request.body,
  );
  app.get("/test/throw/:code", (request) => {
    const { code } = request.params as { code: string };
    if (code === "plain") throw new Error("database password is hunter2");
    throw new HocbaError(code as never, `failed with ${code}`, { details: { hint: "x" } });
  });
  app.get("/test/param/:value", (request) => ({ params: request.params, query: request.query }));
  app.get("/test/limited", { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, () => ({ ok: true }));
  await app.ready();
});
afterAll(() => app.close());

describe("the HTTP application", () => {
  it("answers /healthz while the process runs", async () => {
    const res = await app.inject({ method: "GET", url: "/healthz" });
    expect([res.statusCode, res.json()]).toEqual([200, { status: "ok" }]);
  });

  it("answers /readyz with every dependency's state", async () => {
    chainUp = true;
    const res = await app.inject({ method: "GET", url: "/readyz" });
    expect([res.statusCode, res.json()]).toEqual([
      200,
      { ready: true, checks: { database: "ok", chain: "ok", queue: "ok" } },
    ]);
  });

  it("answers /readyz with 503 naming the dependency that is down, its error in the log only", async () => {
    chainUp = false;
    logLines.length = 0;
    const res = await app.inject({ method: "GET", url: "/readyz" });
    chainUp = true;
    expect([res.statusCode, res.json()]).toEqual([
      503,
      { ready: false, checks: { database: "ok", chain: "down", queue: "ok" } },
    ]);
    expect(res.body).not.toContain("ECONNREFUSED");
    expect(
      logLines.map((line) => {
        const entry = JSON.parse(line) as { msg: string; check: string; err: { message: string } };
        return [entry.msg, entry.check, entry.err.message];
      }),
    ).toEqual([["readiness check failed", "chain", "connect ECONNREFUSED 127.0.0.1:8545"]]);
  });

  it("serves Prometheus metrics that count requests by route", async () => {
    await app.inject({ method: "GET", url: "/healthz" });
    const res = await app.inject({ method: "GET", url: "/metrics" });
    expect(res.statusCode).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    expect(res.body).toMatch(/hocba_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(res.body).toContain("hocba_process_cpu_seconds_total");
  });

  it("serves the OpenAPI document and its UI at /docs", async () => {
    const spec = await app.inject({ method: "GET", url: "/docs/json" });
    const body = spec.json<{ openapi: string; paths: Record<string, unknown> }>();
    expect([spec.statusCode, body.openapi, Object.keys(body.paths).includes("/readyz")]).toEqual([
      200,
      "3.1.0",
      true,
    ]);
    const ui = await app.inject({ method: "GET", url: "/docs" });
    expect(ui.statusCode).toBeLessThan(400);
  });

  it("answers an unknown route with the NOT_FOUND envelope", async () => {
    const res = await app.inject({ method: "GET", url: "/api/v1/nothing" });
    expect([res.statusCode, res.json()]).toEqual([
      404,
      { error: { code: "NOT_FOUND", message: "no route GET /api/v1/nothing" } },
    ]);
  });
});

describe("the error envelope", () => {
  it("reports every schema problem of a body with its path", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/test/echo",
      payload: { name: "", year: 1999, extra: 1 },
    });
    expect([res.statusCode, res.json()]).toEqual([
      400,
      {
        error: {
          code: "SCHEMA_INVALID",
          message: "the request does not match the schema",
          details: [
            {
              path: "/body",
              code: "SCHEMA_ADDITIONALPROPERTIES",
              message: "must NOT have additional properties",
            },
            {
              path: "/body/name",
              code: "SCHEMA_MINLENGTH",
              message: "must NOT have fewer than 1 characters",
            },
            { path: "/body/year", code: "SCHEMA_MINIMUM", message: "must be >= 2000" },
          ],
        },
      },
    ]);
  });

  it("answers malformed JSON with JSON_MALFORMED", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/test/echo",
      headers: { "content-type": "application/json" },
      payload: '{"name": "Ánh",',
    });
    expect([res.statusCode, res.json()]).toEqual([
      400,
      { error: { code: "JSON_MALFORMED", message: "the request body is not valid JSON" } },
    ]);
  });

  it("answers a body over the limit with PAYLOAD_TOO_LARGE", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/test/echo",
      payload: { name: "x".repeat(2000), year: 2024 },
    });
    expect([res.statusCode, res.json()]).toEqual([
      413,
      { error: { code: "PAYLOAD_TOO_LARGE", message: "the request body is too large" } },
    ]);
  });

  it("refuses a JSON body nested deeper than 32 levels before its schema is checked", async () => {
    const nested = (depth: number) => `{"name":${"[".repeat(depth - 1)}${"]".repeat(depth - 1)},"year":2024}`;
    const post = (payload: string) =>
      app.inject({
        method: "POST",
        url: "/test/echo",
        headers: { "content-type": "application/json" },
        payload,
      });
    const [deep, deepest] = [await post(nested(33)), await post(nested(32))];
    const message = "the JSON body is nested deeper than 32 levels of objects and arrays";
    expect([deep.statusCode, deep.json(), deepest.statusCode, deepest.json()]).toEqual([
      400,
      {
        error: {
          code: "SCHEMA_INVALID",
          message,
          details: [{ path: "/body", code: "JSON_TOO_DEEP", message }],
        },
      },
      400,
      {
        error: {
          code: "SCHEMA_INVALID",
          message: "the request does not match the schema",
          details: [{ path: "/body/name", code: "SCHEMA_TYPE", message: "must be string" }],
        },
      },
    ]);
  });

  it("counts no bracket inside a string towards the nesting depth", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/test/echo",
      payload: { name: "[".repeat(100) + '\\"{'.repeat(20), year: 2024 },
    });
    expect([res.statusCode, res.json()]).toEqual([
      200,
      { name: "[".repeat(100) + '\\"{'.repeat(20), year: 2024 },
    ]);
  });

  it("refuses a NUL or a lone surrogate in a body string or key, a path parameter or a query value with 400", async () => {
    const answers = await Promise.all(
      [
        { method: "POST" as const, url: "/test/echo", payload: '{"name":"An\\u0000","year":2024}' },
        { method: "POST" as const, url: "/test/echo", payload: '{"name":"An","year":2024,"\\ud800":1}' },
        { method: "POST" as const, url: "/test/echo", payload: '{"name":"\\udc00An","year":2024}' },
        { method: "GET" as const, url: "/test/param/a%00b" },
        { method: "GET" as const, url: "/test/param/a?x=%00" },
      ].map(async (request) => {
        const res = await app.inject({ ...request, headers: { "content-type": "application/json" } });
        const { error } = res.json<{ error: { code: string; details: { path: string; code: string }[] } }>();
        return [res.statusCode, error.code, error.details];
      }),
    );
    expect(answers).toEqual([
      [
        400,
        "SCHEMA_INVALID",
        [
          {
            path: "/body/name",
            code: "STRING_NUL",
            message: "a NUL character is not allowed (at /body/name)",
          },
        ],
      ],
      [
        400,
        "SCHEMA_INVALID",
        [
          {
            path: "/body/\ud800",
            code: "STRING_LONE_SURROGATE",
            message: "a lone UTF-16 surrogate is not text (at /body/\ud800)",
          },
        ],
      ],
      [
        400,
        "SCHEMA_INVALID",
        [
          {
            path: "/body/name",
            code: "STRING_LONE_SURROGATE",
            message: "a lone UTF-16 surrogate is not text (at /body/name)",
          },
        ],
      ],
      [
        400,
        "SCHEMA_INVALID",
        [
          {
            path: "/params/value",
            code: "STRING_NUL",
            message: "a NUL character is not allowed (at /params/value)",
          },
        ],
      ],
      [
        400,
        "SCHEMA_INVALID",
        [
          {
            path: "/querystring/x",
            code: "STRING_NUL",
            message: "a NUL character is not allowed (at /querystring/x)",
          },
        ],
      ],
    ]);
  });

  it("accepts a well-formed surrogate pair (an emoji) in a body string", async () => {
    const res = await app.inject({
      method: "POST",
      url: "/test/echo",
      payload: { name: "An 🎓", year: 2024 },
    });
    expect([res.statusCode, res.json()]).toEqual([200, { name: "An 🎓", year: 2024 }]);
  });

  it("reads escapes as JSON does: an escaped pair and an escaped backslash pass, an upper-case lone one is refused", async () => {
    const answers = await Promise.all(
      [
        '{"name":"An \\ud83c\\udf93","year":2024}',
        '{"name":"An \\\\u0000","year":2024}',
        '{"name":"An \\uD800","year":2024}',
      ].map(async (payload) => {
        const res = await app.inject({
          method: "POST",
          url: "/test/echo",
          payload,
          headers: { "content-type": "application/json" },
        });
        return [res.statusCode, res.json<unknown>()];
      }),
    );
    expect(answers).toEqual([
      [200, { name: "An 🎓", year: 2024 }],
      [200, { name: "An \\u0000", year: 2024 }],
      [
        400,
        {
          error: {
            code: "SCHEMA_INVALID",
            message: "a lone UTF-16 surrogate is not text (at /body/name)",
            details: [
              {
                path: "/body/name",
                code: "STRING_LONE_SURROGATE",
                message: "a lone UTF-16 surrogate is not text (at /body/name)",
              },
            ],
          },
        },
      ],
    ]);
  });

  it("answers a URL that is not valid percent-encoding with a coded 400, in the envelope", async () => {
    const res = await app.inject({ method: "GET", url: "/test/param/%E0%A4%A" });
    expect([res.statusCode, res.json()]).toEqual([
      400,
      { error: { code: "USAGE", message: "'/test/param/%E0%A4%A' is not a valid url component" } },
    ]);
  });

  it("keeps the 4xx of any other refusal by Fastify or a plugin instead of answering INTERNAL", () => {
    const refusal = (statusCode: number) =>
      Object.assign(new Error("refused"), { statusCode, code: "FST_SOMETHING" });
    expect([400, 403, 405, 415, 431].map((status) => fromFastifyError(refusal(status)).code)).toEqual([
      "USAGE",
      "FORBIDDEN",
      "USAGE",
      "SCHEMA_INVALID",
      "USAGE",
    ]);
  });

  it("maps each error code to its status and keeps message and details for 4xx", async () => {
    const res = await app.inject({ method: "GET", url: "/test/throw/SIGNER_NOT_AUTHORIZED" });
    expect([res.statusCode, res.json()]).toEqual([
      403,
      {
        error: {
          code: "SIGNER_NOT_AUTHORIZED",
          message: "failed with SIGNER_NOT_AUTHORIZED",
          details: { hint: "x" },
        },
      },
    ]);
    const anchored = await app.inject({ method: "GET", url: "/test/throw/NOT_ANCHORED_YET" });
    expect(anchored.statusCode).toBe(409);
  });

  it("never leaks the message of an unexpected error", async () => {
    const res = await app.inject({ method: "GET", url: "/test/throw/plain" });
    expect([res.statusCode, res.json()]).toEqual([
      500,
      { error: { code: "INTERNAL", message: "internal error" } },
    ]);
  });

  it("answers over-eager clients with RATE_LIMITED once a route's limit is spent", async () => {
    const codes = [];
    for (let i = 0; i < 3; i++)
      codes.push((await app.inject({ method: "GET", url: "/test/limited" })).statusCode);
    const last = await app.inject({ method: "GET", url: "/test/limited" });
    expect([codes, last.json<{ error: { code: string } }>().error.code]).toEqual([
      [200, 200, 429],
      "RATE_LIMITED",
    ]);
  });

  it("counts IPv6 clients of a limited route by /64, and an IPv4-mapped address as IPv4", async () => {
    const from = async (remoteAddress: string) =>
      (await app.inject({ method: "GET", url: "/test/limited", remoteAddress })).statusCode;
    expect([
      await from("2001:db8:aa:1::1"),
      await from("2001:db8:aa:1:ffff::2"),
      await from("2001:db8:aa:1::3"),
      await from("2001:db8:aa:2::1"),
      await from("192.0.2.77"),
      await from("::ffff:192.0.2.77"),
      await from("::ffff:192.0.2.77"),
    ]).toEqual([200, 200, 429, 200, 200, 200, 429]);
  });

  it("gives every error code a 4xx or 5xx status", () => {
    expect(ERROR_CODES.filter((c) => !(HTTP_STATUS[c] >= 400 && HTTP_STATUS[c] < 600))).toEqual([]);
  });
});

describe("public rate limits counted in Redis (REDIS_URL)", () => {
  /** An app with one limited route (2 a minute) counting in `redis` under `nameSpace`. */
  async function limitedApp(redis: Redis, nameSpace: string): Promise<FastifyInstance> {
    const limited = await buildApp({ bodyLimit: 1024, rateLimitStore: { redis, nameSpace } });
    limited.get("/test/limited", { config: { rateLimit: { max: 2, timeWindow: 60_000 } } }, () => ({
      ok: true,
    }));
    await limited.ready();
    return limited;
  }
  const status = async (on: FastifyInstance) =>
    (await on.inject({ method: "GET", url: "/test/limited" })).statusCode;

  /** Runs `test` on two apps sharing the real Redis under a fresh name space, then removes its keys. */
  async function withTwoProcesses(
    test: (a: FastifyInstance, b: FastifyInstance, redis: Redis, nameSpace: string) => Promise<void>,
  ): Promise<void> {
    const redis = fastFailingRedis(REDIS_URL);
    const nameSpace = `hocba-test-${randomBytes(4).toString("hex")}:rate-limit:`;
    const [a, b] = [await limitedApp(redis, nameSpace), await limitedApp(redis, nameSpace)];
    try {
      await test(a, b, redis, nameSpace);
    } finally {
      await a.close();
      await b.close();
      const keys = await redis.keys(`${nameSpace}*`);
      if (keys.length > 0) await redis.del(...keys);
      redis.disconnect();
    }
  }

  it.runIf(redisReady)("counts an address once across two service processes sharing the Redis", () =>
    withTwoProcesses(async (a, b) => {
      expect([await status(a), await status(b), await status(a), await status(b)]).toEqual([
        200, 200, 429, 429,
      ]);
    }),
  );

  it.runIf(redisReady)(
    "counts IPv6 clients by /64 in Redis, and quotas in units shared by the processes",
    () =>
      withTwoProcesses(async (a, b, redis, nameSpace) => {
        const from = async (on: FastifyInstance, remoteAddress: string) =>
          (await on.inject({ method: "GET", url: "/test/limited", remoteAddress })).statusCode;
        expect([
          await from(a, "2001:db8:bb:1::1"),
          await from(b, "2001:db8:bb:1::2"),
          await from(a, "2001:db8:bb:1::3"),
          await from(b, "2001:db8:bb:2::1"),
        ]).toEqual([200, 200, 429, 200]);
        expect([
          await a.quota.take("verify:2001:db8:bb:1::", 3, 5, 60_000),
          await b.quota.take("verify:2001:db8:bb:1::", 3, 5, 60_000),
          await b.quota.take("verify:2001:db8:bb:1::", 2, 5, 60_000),
        ]).toEqual([
          { allowed: true, used: 3, resetMs: expect.any(Number) as unknown },
          { allowed: false, used: 3, resetMs: expect.any(Number) as unknown },
          { allowed: true, used: 5, resetMs: expect.any(Number) as unknown },
        ]);
        expect(await redis.pttl(`${nameSpace}quota:verify:2001:db8:bb:1::`)).toBeGreaterThan(55_000);
      }),
  );

  it("keeps answering, without limits, while Redis is away", async () => {
    const redis = fastFailingRedis(`redis://127.0.0.1:${await freePort()}`);
    const app = await limitedApp(redis, "hocba-test-away:rate-limit:");
    try {
      expect([await status(app), await status(app), await status(app)]).toEqual([200, 200, 200]);
      expect(await app.quota.take("verify:192.0.2.1", 10, 5, 60_000)).toEqual({
        allowed: true,
        used: 0,
        resetMs: 60_000,
      });
    } finally {
      await app.close();
      redis.disconnect();
    }
  });
});
