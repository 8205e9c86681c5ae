/**
 * Liveness and readiness. /healthz answers while the process runs; /readyz asks each dependency
 * (database, queue, chain) through the probes the app was built with, and answers 503 with the
 * failing ones named when any is down, so a load balancer stops sending traffic.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";

export type ReadinessProbe = () => Promise<void>;

const ReadyBody = Type.Object({
  status: Type.Union([Type.Literal("ready"), Type.Literal("not-ready")]),
  checks: Type.Record(
    Type.String(),
    Type.Object({ ok: Type.Boolean(), message: Type.Optional(Type.String()) }),
  ),
});

export function healthRoutes(probes: Record<string, ReadinessProbe>) {
  return (app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) => {
    app.get(
      "/healthz",
      {
        schema: {
          tags: ["ops"],
          summary: "Liveness",
          response: { 200: Type.Object({ status: Type.Literal("ok") }) },
        },
      },
      () => ({ status: "ok" as const }),
    );
    app.get(
      "/readyz",
      {
        schema: {
          tags: ["ops"],
          summary: "Readiness of database, queue and chain",
          response: { 200: ReadyBody, 503: ReadyBody },
        },
      },
      async (_request, reply) => {
        const entries: [string, { ok: boolean; message?: string }][] = await Promise.all(
          Object.entries(probes).map(async ([name, probe]) => {
            try {
              await probe();
              return [name, { ok: true }];
            } catch (error) {
              return [name, { ok: false, message: error instanceof Error ? error.message : String(error) }];
            }
          }),
        );
        const ready = entries.every(([, c]) => c.ok);
        return reply
          .status(ready ? 200 : 503)
          .send({ status: ready ? "ready" : "not-ready", checks: Object.fromEntries(entries) });
      },
    );
    done();
  };
}
