import { mkdirSync } from "node:fs";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildApp } from "../../service/src/http/app";
import { tempDir } from "../helpers/files";

const tmp = tempDir("http-pages");
afterAll(() => tmp.dispose());

const VERIFIER = '<!doctype html><title>verifier</title><script type="module" src="/assets/v-1.js"></script>';
const LOOKUP = "<!doctype html><title>lookup</title>";
const BULK = "<!doctype html><title>bulk</title>";

describe("the public pages", () => {
  let app: FastifyInstance;
  beforeAll(async () => {
    mkdirSync(tmp.path("assets"));
    mkdirSync(tmp.path("tra-cuu"));
    mkdirSync(tmp.path("xac-minh-hang-loat"));
    tmp.write("xac-minh-hang-loat/index.html", BULK);
    tmp.write("index.html", VERIFIER);
    tmp.write("assets/v-1.js", "export {};");
    tmp.write("tra-cuu/index.html", LOOKUP);
    app = await buildApp({ bodyLimit: 1_000_000, pagesDir: tmp.dir });
  });
  afterAll(() => app?.close());

  const get = async (url: string) => {
    const res = await app.inject({ method: "GET", url });
    return {
      status: res.statusCode,
      type: res.headers["content-type"],
      cache: res.headers["cache-control"],
      body: res.body,
    };
  };

  it("serves the verifier at / and the lookup at /tra-cuu and /tra-cuu/, never cached", async () => {
    expect([await get("/"), await get("/tra-cuu"), await get("/tra-cuu/")]).toEqual([
      { status: 200, type: "text/html; charset=utf-8", cache: "no-cache", body: VERIFIER },
      { status: 200, type: "text/html; charset=utf-8", cache: "no-cache", body: LOOKUP },
      { status: 200, type: "text/html; charset=utf-8", cache: "no-cache", body: LOOKUP },
    ]);
  });

  it("serves the bulk verification at /xac-minh-hang-loat and /xac-minh-hang-loat/, never cached", async () => {
    expect([await get("/xac-minh-hang-loat"), await get("/xac-minh-hang-loat/")]).toEqual([
      { status: 200, type: "text/html; charset=utf-8", cache: "no-cache", body: BULK },
      { status: 200, type: "text/html; charset=utf-8", cache: "no-cache", body: BULK },
    ]);
  });

  it("serves hashed assets as immutable for a year", async () => {
    expect(await get("/assets/v-1.js")).toEqual({
      status: 200,
      type: "application/javascript; charset=utf-8",
      cache: "public, max-age=31536000, immutable",
      body: "export {};",
    });
  });

  it("sends a Content-Security-Policy that allows only the page's own scripts", async () => {
    const res = await app.inject({ method: "GET", url: "/" });
    const policy: Record<string, string> = Object.fromEntries(
      String(res.headers["content-security-policy"])
        .split(";")
        .map((directive) => directive.trim().split(/\s+/))
        .map(([name, ...values]): [string, string] => [name ?? "", values.join(" ")]),
    );
    expect([policy["script-src"], policy["default-src"], policy["connect-src"]]).toEqual([
      "'self'",
      "'self'",
      "'self' https: http://127.0.0.1:* http://localhost:*",
    ]);
  });

  it("answers unknown paths with the JSON 404 of the API, and keeps the API routes", async () => {
    const missing = await app.inject({ method: "GET", url: "/nope.html" });
    const health = await app.inject({ method: "GET", url: "/healthz" });
    expect([
      missing.statusCode,
      missing.json<{ error: { code: string } }>().error.code,
      health.statusCode,
    ]).toEqual([404, "NOT_FOUND", 200]);
  });

  it("answers 503 with how to build the pages when they are missing, while the API still works", async () => {
    const bare = await buildApp({ bodyLimit: 1_000_000, pagesDir: tmp.path("not-built") });
    try {
      const answers = await Promise.all(
        ["/", "/tra-cuu", "/xac-minh-hang-loat", "/healthz"].map((url) =>
          bare.inject({ method: "GET", url }),
        ),
      );
      expect(answers.map((res) => [res.statusCode, res.statusCode === 503 ? res.body : "…"])).toEqual([
        [
          503,
          "hocba: the verifier pages are not built (no index.html in the pages folder).\n" +
            "Run `npm run build`, then restart the service. The API under /api/v1 works without them.\n",
        ],
        [
          503,
          "hocba: the verifier pages are not built (no index.html in the pages folder).\n" +
            "Run `npm run build`, then restart the service. The API under /api/v1 works without them.\n",
        ],
        [
          503,
          "hocba: the verifier pages are not built (no index.html in the pages folder).\n" +
            "Run `npm run build`, then restart the service. The API under /api/v1 works without them.\n",
        ],
        [200, "…"],
      ]);
    } finally {
      await bare.close();
    }
  });
});
