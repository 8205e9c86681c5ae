/**
 * Liveness and readiness. /healthz answers while the process runs (with the embedded chain's state
 * when there is one); /readyz asks each dependency (database, chain, queue) through the probes the
 * app was built with, and answers `{ready, checks: {<name>: "ok" | "down"}}` — 503 when any is
 * down, so a load balancer stops sending traffic. The answer is public: why a probe failed (an
 * error text may name hosts, ports or users) goes to the log only, never to the caller.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { ChainHealth } from "../../issuance/ports";

export type ReadinessProbe = () => Promise<void>;

const EmbeddedChainView = Type.Object({
  state: Type.Union([Type.Literal("running"), Type.Literal("down"), Type.Literal("stopped")]),
  restarts: Type.Integer({ minimum: 0 }),
  downSince: Type.Optional(Type.String({ format: "date-time" })),
  lastExit: Type.Optional(Type.String()),
});

const ReadyBody = Type.Object({
  ready: Type.Boolean(),
  checks: Type.Record(Type.String(), Type.Union([Type.Literal("ok"), Type.Literal("down")]), {
    description: "database, chain, queue",
  }),
});

/**
 * @param embeddedChain the embedded chain's supervisor, when there is one: /healthz reports its
 *   state (200 "degraded" while it is down and being restarted — the process is alive and will
 *   recover, so a liveness check must not kill it).
 */
export function healthRoutes(probes: Record<string, ReadinessProbe>, embeddedChain?: () => ChainHealth) {
  return (app: FastifyInstance, _opts: unknown, done: (err?: Error) => void) => {
    app.get(
      "/healthz",
      {
        schema: {
          tags: ["ops"],
          summary: "Liveness (and the embedded chain's state)",
          response: {
            200: Type.Object({
              status: Type.Union([Type.Literal("ok"), Type.Literal("degraded")]),
              embeddedChain: Type.Optional(EmbeddedChainView),
            }),
          },
        },
      },
      () => {
        if (!embeddedChain) return { status: "ok" as const };
        const chain = embeddedChain();
        return {
          status: chain.state === "running" ? ("ok" as const) : ("degraded" as const),
          embeddedChain: chain,
        };
      },
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
      async (request, reply) => {
        const entries: [string, "ok" | "down"][] = await Promise.all(
          Object.entries(probes).map(async ([name, probe]): Promise<[string, "ok" | "down"]> => {
            try {
              await probe();
              return [name, "ok"];
            } catch (error) {
              request.log.warn({ check: name, err: error }, "readiness check failed");
              return [name, "down"];
            }
          }),
        );
        const ready = entries.every(([, state]) => state === "ok");
        return reply.status(ready ? 200 : 503).send({ ready, checks: Object.fromEntries(entries) });
      },
    );
    done();
  };
}
