/**
 * The public pages built by Vite into verifier-web/dist (scripts/build.ts): the verifier at `/`,
 * the graduation lookup at `/tra-cuu` (and `/tra-cuu/`), the bulk verification at
 * `/xac-minh-hang-loat` (and `/xac-minh-hang-loat/`), the school workspace at `/truong`, a
 * citizen's own records at `/cua-toi`, their
 * hashed assets under `/assets/`
 * (cached for a year: a new build gives new names). If the pages were not built, the API works as
 * before and the pages answer 503 with a plain message saying how to build them.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import type { FastifyInstance } from "fastify";
import fastifyStatic from "@fastify/static";

export interface PagesOptions {
  /** The Vite output folder (holds index.html). */
  root: string;
}

/**
 * Where `npm run build` puts the pages, found from this module's place: dist/hocba.cjs when
 * bundled, service/src/http/plugins when run from source.
 */
export function defaultPagesDir(): string {
  const candidates = [
    path.resolve(__dirname, "../verifier-web/dist"),
    path.resolve(__dirname, "../../../../verifier-web/dist"),
  ];
  return candidates.find((dir) => existsSync(path.join(dir, "index.html"))) ?? candidates[0]!;
}

const NOT_BUILT =
  "hocba: the verifier pages are not built (no index.html in the pages folder).\n" +
  "Run `npm run build`, then restart the service. The API under /api/v1 works without them.\n";

/** Registers the pages (a plain Fastify plugin, not encapsulation-breaking). */
export async function pagesPlugin(app: FastifyInstance, options: PagesOptions): Promise<void> {
  const { root } = options;
  if (!existsSync(path.join(root, "index.html"))) {
    for (const url of [
      "/",
      "/tra-cuu",
      "/tra-cuu/",
      "/xac-minh-hang-loat",
      "/xac-minh-hang-loat/",
      "/truong",
      "/truong/",
      "/cua-toi",
      "/cua-toi/",
    ])
      app.get(url, { schema: { hide: true } }, (_request, reply) =>
        reply.status(503).type("text/plain; charset=utf-8").send(NOT_BUILT),
      );
    return;
  }
  await app.register(fastifyStatic, {
    root,
    prefix: "/",
    index: ["index.html"],
    redirect: false,
    // Source maps are published on purpose: the page's checks can be read and audited.
    setHeaders: (reply, file) => {
      reply.header(
        "cache-control",
        file.includes(`${path.sep}assets${path.sep}`) ? "public, max-age=31536000, immutable" : "no-cache",
      );
    },
  });
  app.get("/tra-cuu", { schema: { hide: true } }, (_request, reply) => reply.sendFile("tra-cuu/index.html"));
  app.get("/xac-minh-hang-loat", { schema: { hide: true } }, (_request, reply) =>
    reply.sendFile("xac-minh-hang-loat/index.html"),
  );
  if (existsSync(path.join(root, "truong/index.html")))
    app.get("/truong", { schema: { hide: true } }, (_request, reply) => reply.sendFile("truong/index.html"));
  if (existsSync(path.join(root, "cua-toi/index.html")))
    app.get("/cua-toi", { schema: { hide: true } }, (_request, reply) =>
      reply.sendFile("cua-toi/index.html"),
    );
}
