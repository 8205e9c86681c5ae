/**
 * Prometheus metrics at /metrics: process defaults plus request counts and durations by route.
 * Each app instance has its own registry, so tests and several apps in one process do not clash.
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

declare module "fastify" {
  interface FastifyInstance {
    metrics: Registry;
  }
}

export const metricsPlugin = fp(
  (app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) => {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: "hocba_" });
    const requests = new Counter({
      name: "hocba_http_requests_total",
      help: "HTTP requests by route and status",
      labelNames: ["method", "route", "status"],
      registers: [registry],
    });
    const duration = new Histogram({
      name: "hocba_http_request_duration_seconds",
      help: "HTTP request duration by route",
      labelNames: ["method", "route"],
      buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
      registers: [registry],
    });
    app.decorate("metrics", registry);
    app.addHook("onResponse", (request, reply, next) => {
      const route = request.routeOptions.url ?? "unmatched";
      requests.inc({ method: request.method, route, status: reply.statusCode });
      duration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
      next();
    });
    app.get("/metrics", { schema: { hide: true } }, async (_request, reply) => {
      return reply.type(registry.contentType).send(await registry.metrics());
    });
    done();
  },
  { name: "hocba-metrics" },
);
