/**
 * Anchoring over BullMQ (production, REDIS_URL set). A job scheduler adds one `tick` every
 * ANCHOR_INTERVAL_MS; any number of workers (`hocba worker`) take ticks and run an anchoring
 * round. The API only *triggers* extra ticks: when Redis is down it keeps accepting documents
 * (they wait in PostgreSQL, the source of truth) and the next tick after Redis returns anchors
 * them. Duplicate triggers collapse into one job by id.
 */
import { Queue, Worker } from "bullmq";
import { Redis } from "ioredis";
import { anchorPending, type AnchoringDeps } from "../../issuance/anchoring";
import type { AnchorRunner } from "../../issuance/runner";

export const ANCHOR_QUEUE = "hocba-anchoring";
const SCHEDULER_ID = "anchor-every-interval";
const TRIGGER_JOB_ID = "tick-now";

export interface QueueOptions {
  redisUrl: string;
  /** Redis key prefix (default "hocba"); separate deployments or test runs use their own. */
  prefix?: string;
}

function connection(redisUrl: string, forWorker: boolean): Redis {
  // Workers block on Redis and must retry forever; producers fail fast so the API never hangs.
  return new Redis(
    redisUrl,
    forWorker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false },
  );
}

/** The producer side, used by the API: schedules ticks and triggers an early one. */
export async function createAnchorQueue(
  options: QueueOptions & { intervalMs: number },
): Promise<AnchorRunner & { queue: Queue; ping(): Promise<void> }> {
  const redis = connection(options.redisUrl, false);
  const queue = new Queue(ANCHOR_QUEUE, { connection: redis, prefix: options.prefix ?? "hocba" });
  queue.on("error", () => undefined); // reported through readiness, not as an unhandled error
  const trigger = () => {
    queue
      .add("tick", {}, { jobId: TRIGGER_JOB_ID, removeOnComplete: true, removeOnFail: true })
      .catch(() => undefined);
  };
  const schedule = () =>
    queue.upsertJobScheduler(SCHEDULER_ID, { every: options.intervalMs }, { name: "tick" });
  await schedule();
  // A Redis that comes back empty (restarted without persistence) has lost the scheduler: put it
  // back, and run a round for whatever was accepted while Redis was away.
  redis.on("ready", () => {
    schedule().then(trigger, () => undefined);
  });
  return {
    queue,
    trigger,
    async ping() {
      await redis.ping();
    },
    async stop() {
      await queue.close();
    },
  };
}

/** A worker process's consumer: runs an anchoring round per tick, one at a time. */
export function startAnchorWorker(
  deps: AnchoringDeps,
  options: QueueOptions,
): { worker: Worker; stop(): Promise<void> } {
  const worker = new Worker(ANCHOR_QUEUE, () => anchorPending(deps), {
    connection: connection(options.redisUrl, true),
    prefix: options.prefix ?? "hocba",
    concurrency: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 1000 },
  });
  worker.on("error", () => undefined);
  return { worker, stop: () => worker.close() };
}
