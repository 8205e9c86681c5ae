/**
 * Public lookup of an anchored Merkle root: when, where (block, transaction) and how many
 * documents it covers. Answers from the batches store — only confirmed batches, so the answer
 * never names a root the chain does not hold yet. Rate-limited per client address.
 */
import { Type } from "@sinclair/typebox";
import type { FastifyInstance } from "fastify";
import type { TypeBoxTypeProvider } from "@fastify/type-provider-typebox";
import { HocbaError } from "../../core/errors";
import { confirmedBatch } from "../../issuance/stores/batches";
import { errorResponses } from "../schemas";

/** Anchor lookups per client address and minute. */
export const ANCHOR_LOOKUPS_PER_MINUTE = 300;

const HEX32 = "^0x[0-9a-fA-F]{64}$";

const AnchorView = Type.Object({
  root: Type.String({ pattern: HEX32 }),
  anchoredAt: Type.String({ format: "date-time" }),
  blockNumber: Type.Integer(),
  txHash: Type.String(),
  count: Type.Integer({ description: "documents under this root" }),
});

/** Plugin registered under /api/v1 (see API_ROUTES in app.ts). */
export function anchorRoutes(app: FastifyInstance, _opts: unknown, done: (err?: Error) => void): void {
  const db = app.services.db;
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    "/anchors/:root",
    {
      config: { rateLimit: { max: ANCHOR_LOOKUPS_PER_MINUTE, timeWindow: 60_000 } },
      schema: {
        tags: ["verification"],
        summary: "Where and when a Merkle root was anchored",
        params: Type.Object({ root: Type.String({ pattern: HEX32, description: "0x + 64 hex" }) }),
        response: { 200: AnchorView, ...errorResponses(400, 404, 429, 500) },
      },
    },
    async (request) => {
      const root = request.params.root.toLowerCase();
      const batch = await confirmedBatch(db, root);
      if (!batch) throw new HocbaError("NOT_FOUND", `root ${root} is not anchored by this service`);
      return {
        root,
        anchoredAt: batch.anchoredAt.toISOString(),
        blockNumber: batch.blockNumber,
        txHash: batch.txHash,
        count: batch.leafCount,
      };
    },
  );
  done();
}
