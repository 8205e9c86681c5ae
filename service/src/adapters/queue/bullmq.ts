/**
 * Anchoring over BullMQ (production, REDIS_URL set). A job scheduler adds one `tick` every
 * ANCHOR_INTERVAL_MS; any number of workers (`hocba worker`) take ticks and run an anchoring
 * round. The API only *triggers* extra ticks: when Redis is down it keeps accepting documents
 * (they wait in PostgreSQL, the source of truth) and the next tick after Redis returns anchors
 * them. Duplicate triggers collapse into one job by id. `stop()` always ends: it closes the
 * connections this module opened (BullMQ leaves a connection it was handed open, which kept
 * `hocba serve` alive after SIGTERM) and waits for Redis or a running round only CLOSE_GRACE_MS.
 */
import { Queue, Worker } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import { anchorPending, type AnchoringDeps } from "../../issuance/anchoring";
import type { AnchorRunner } from "../../issuance/runner";

export const ANCHOR_QUEUE = "hocba-anchoring";
const SCHEDULER_ID = "anchor-every-interval";
const TRIGGER_JOB_ID = "tick-now";

/** How long `stop()` waits for a round in progress, or for Redis to take the queue's close. */
export const CLOSE_GRACE_MS = 10_000;

export interface QueueOptions {
  redisUrl: string;
  /** Redis key prefix (default "hocba"); separate deployments or test runs use their own. */
  prefix?: string;
  /** Longest wait of `stop()` before it drops the connections anyway (default CLOSE_GRACE_MS). */
  closeGraceMs?: number;
}

function connection(redisUrl: string, forWorker: boolean, options: RedisOptions = {}): Redis {
  // Workers block on Redis and must retry forever; producers fail fast so the API never hangs.
  return new Redis(redisUrl, {
    ...(forWorker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false }),
    ...options,
  });
}

/**
 * A Redis connection that never queues a command while Redis is away: the call fails at once. For
 * work on a request's path that must not hang on an outage (the public rate limits' shared counts).
 * Its errors are the caller's to handle; `disconnect()` it on shutdown.
 */
export function fastFailingRedis(redisUrl: string): Redis {
  // Auto-pipelining: the commands of one event-loop turn (concurrent requests' counts) leave in
  // one socket write instead of one write each — the write was most of a count's CPU cost.
  const redis = connection(redisUrl, false, { enableAutoPipelining: true });
  redis.on("error", () => undefined); // an outage shows in readiness, not as unhandled errors
  return redis;
}

/**
 * Ends a connection this module opened. BullMQ treats a connection it was handed as shared and
 * leaves it open on `close()`; its socket (and ioredis's reconnect timer when Redis is away) would
 * keep the process alive after SIGTERM. `disconnect` is immediate and also stops reconnecting.
 */
function release(redis: Redis): void {
  redis.disconnect();
}

/**
 * Waits for `work` to settle, at most `graceMs`; never throws. A stop must finish even when Redis
 * or the chain is away, and what it leaves undone is safe: anchoring rounds are crash-safe and the
 * next worker resumes them from PostgreSQL.
 */
async function within(work: Promise<unknown>, graceMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, graceMs);
  });
  try {
    await Promise.race([work.then(noop, noop), late]);
  } finally {
    clearTimeout(timer);
  }
}

function noop(): void {}

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
      try {
        await within(queue.close(), options.closeGraceMs ?? CLOSE_GRACE_MS);
      } finally {
        release(redis);
      }
    },
  };
}

/** A worker process's consumer: runs an anchoring round per tick, one at a time. */
export function startAnchorWorker(
  deps: AnchoringDeps,
  options: QueueOptions,
): { worker: Worker; stop(): Promise<void> } {
  const redis = connection(options.redisUrl, true);
  let round: Promise<unknown> = Promise.resolve();
  const worker = new Worker(ANCHOR_QUEUE, () => (round = anchorPending(deps)), {
    connection: redis,
    prefix: options.prefix ?? "hocba",
    concurrency: 1,
    removeOnComplete: { count: 100 },
    removeOnFail: { count: 1000 },
  });
  worker.on("error", () => undefined);
  return {
    worker,
    async stop() {
      // BullMQ's graceful close waits for the job *and* for Redis to acknowledge it; with Redis
      // away it never returns. So: close at once (no new ticks are taken), then wait for the round
      // in progress ourselves. A tick whose completion never reaches Redis is taken again later as
      // stalled, which is harmless: a round finds nothing left to do.
      try {
        await worker.close(true);
        await within(round, options.closeGraceMs ?? CLOSE_GRACE_MS);
      } finally {
        release(redis);
      }
    },
  };
}
