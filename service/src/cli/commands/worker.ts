/** `hocba worker`: consumes anchoring jobs from BullMQ; run as many as the load needs. */
import { pino } from "pino";
import { loadConfig } from "../../config/config";
import { loggerOptions } from "../../http/logging";
import { startAnchorWorker } from "../../adapters/queue/bullmq";
import { HocbaError } from "../../core/errors";
import { composeServerParts } from "../../server/compose";
import { logFunction } from "../../server/server";
import { defineCommand } from "../command";
import { untilSignal } from "./signals";

const SUMMARY = "consume anchoring jobs (needs REDIS_URL)";

const HELP = `usage: hocba worker

Runs anchoring rounds (batches, anchor transactions, confirmations, revocations, issuer-registry
changes) as BullMQ jobs. Needs REDIS_URL, and the same DATABASE_URL, CHAIN_RPC_URL,
REGISTRY_ADDRESS and ANCHOR_KEY as \`hocba serve\`. Any number of workers may run at once.`;

export const command = defineCommand(SUMMARY, HELP, {}, runWorker);

async function runWorker(): Promise<number> {
  const config = loadConfig(process.env);
  if (!config.REDIS_URL) throw new HocbaError("CONFIG_INVALID", "hocba worker needs REDIS_URL");
  const logger = pino(loggerOptions(config.LOG_LEVEL));
  const parts = await composeServerParts(config, logFunction(logger));
  const worker = startAnchorWorker(parts.anchoring, {
    redisUrl: config.REDIS_URL,
    prefix: config.REDIS_PREFIX,
  });
  logger.info({ registry: parts.chain.registry }, "anchoring worker started");
  await untilSignal();
  await worker.stop();
  await parts.close();
  return 0;
}
