/**
 * The API as `/docs/json` describes it, without running a service: the app is built with every
 * route, over a database pool and a chain client that point at an address nobody listens on and are
 * never asked (describing the API reads no data). Used by `npm run lint` (scripts/lint-openapi.ts)
 * and by the tests of the document.
 */
import type { FastifyInstance } from "fastify";
import { chainStatusOf } from "../../service/src/adapters/chain/chain-status";
import { createRegistryClient } from "../../service/src/adapters/chain/registry";
import { createPostgresDatabase } from "../../service/src/adapters/db/database";
import { readSheet, readWorkbookFile } from "../../service/src/adapters/files/sheet";
import { writeWorkbook } from "../../service/src/adapters/files/workbook-writer";
import { renderTranscriptPdf } from "../../service/src/adapters/pdf/transcript-pdf";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { createTrustStore } from "../../service/src/core/pki";
import { buildApp } from "../../service/src/http/app";
import { verificationOf } from "../../service/src/server/compose";

/** Where the idle parts point: the discard port of this machine, refused at once if ever asked. */
const NOWHERE = "127.0.0.1:9";

export interface DescribedApi {
  app: FastifyInstance;
  close(): Promise<void>;
}

/** The app with every route, its parts idle. */
export async function describedApi(): Promise<DescribedApi> {
  const db = createPostgresDatabase({ url: `postgres://hocba@${NOWHERE}/hocba`, poolSize: 1 });
  const registry = createRegistryClient({
    rpcUrl: `http://${NOWHERE}`,
    chainId: 31337,
    address: `0x${"0".repeat(40)}`,
  });
  const submission = {
    db,
    trustAnchors: createTrustStore([]),
    crypto: nodeCrypto,
    requiredRoles: ["principal"],
    readSheet,
  };
  const chainStatus = chainStatusOf(registry);
  const app = await buildApp({
    bodyLimit: 1_000_000,
    pagesDir: null,
    services: {
      db,
      adminToken: "not-a-token-anyone-holds",
      submission,
      drafts: { db, readWorkbook: readWorkbookFile, writeWorkbook },
      chainStatus,
      verification: verificationOf(submission, chainStatus),
      renderPdf: renderTranscriptPdf,
      chain: { chainId: registry.chainId, registry: registry.address },
      triggerAnchoring: () => undefined,
    },
  });
  await app.ready();
  return {
    app,
    async close() {
      await app.close();
      registry.close();
      await db.close();
    },
  };
}

/** The OpenAPI document the service serves at /docs/json. */
export async function openApiDocument(): Promise<Record<string, unknown>> {
  const api = await describedApi();
  try {
    const res = await api.app.inject({ method: "GET", url: "/docs/json" });
    if (res.statusCode !== 200) throw new Error(`/docs/json answered ${res.statusCode}`);
    return res.json<Record<string, unknown>>();
  } finally {
    await api.close();
  }
}
