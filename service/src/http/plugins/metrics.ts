/**
 * Prometheus metrics at /metrics: process defaults plus request counts and durations by route,
 * and — when the app is given them — how anchoring keeps up (documents waiting, batches by state,
 * the age of the oldest waiting document) and the chain errors this process met. Each app instance
 * has its own registry, so tests and several apps in one process do not clash.
 */
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { AnchoringStatus } from "../../issuance/anchoring-status";

export interface OperationsMetrics {
  /** Read at each scrape (anchoring-status.ts). */
  anchoring?: () => Promise<AnchoringStatus>;
  /** Chain errors met so far by kind (anchoring_round, embedded_chain_exit…), monotonic. */
  chainErrors?: () => Readonly<Record<string, number>>;
}

/** Batch states always reported (0 when none), so a dashboard's series exist from the start. */
const BATCH_STATES = ["created", "submitted", "confirmed"] as const;

function operationsMetrics(registry: Registry, options: OperationsMetrics): void {
  const { anchoring, chainErrors } = options;
  if (anchoring) {
    // One read per scrape shared by the three gauges.
    let reading: Promise<AnchoringStatus> | undefined;
    const status = () => {
      reading ??= anchoring().finally(() => setImmediate(() => (reading = undefined)));
      return reading;
    };
    new Gauge({
      name: "hocba_anchoring_pending_documents",
      help: "Documents accepted and not yet in a confirmed (anchored) batch",
      registers: [registry],
      async collect() {
        this.set((await status()).pendingDocuments);
      },
    });
    new Gauge({
      name: "hocba_anchoring_lag_seconds",
      help: "Age of the oldest document not yet anchored (0 when none waits)",
      registers: [registry],
      async collect() {
        const oldest = (await status()).oldestPendingAt;
        this.set(oldest === null ? 0 : Math.max(0, (Date.now() - oldest.getTime()) / 1000));
      },
    });
    new Gauge({
      name: "hocba_anchoring_batches",
      help: "Anchoring batches by state",
      labelNames: ["state"],
      registers: [registry],
      async collect() {
        const byState = (await status()).batchesByState;
        for (const state of new Set([...BATCH_STATES, ...Object.keys(byState)]))
          this.set({ state }, byState[state] ?? 0);
      },
    });
  }
  if (chainErrors) {
    new Counter({
      name: "hocba_chain_errors_total",
      help: "Chain errors met by this process: anchoring rounds the chain failed, embedded chain deaths",
      labelNames: ["kind"],
      registers: [registry],
      collect() {
        this.reset();
        for (const [kind, count] of Object.entries(chainErrors())) this.inc({ kind }, count);
      },
    });
  }
}

declare module "fastify" {
  interface FastifyInstance {
    metrics: Registry;
  }
}

export const metricsPlugin = fp(
  (app: FastifyInstance, options: OperationsMetrics, done: (err?: Error) => void) => {
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
    operationsMetrics(registry, options);
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
