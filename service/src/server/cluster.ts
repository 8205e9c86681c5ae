/**
 * `hocba serve` as several processes sharing one port (HTTP_PROCESSES > 1, node:cluster): one
 * Node process runs its JavaScript on one core, and a verification or a submission is CPU work,
 * so a machine's other cores stay idle behind a single process. Each worker is a whole
 * `hocba serve` on the shared production parts — PostgreSQL, Redis (BullMQ, and the public rate
 * limits' counts) and an external chain — exactly as several service instances behind a load
 * balancer would be (README, Configuration); the primary only forks, restarts and stops them.
 *
 * A worker that dies after it was listening is replaced (up to 5 a minute: more is a crash loop).
 * One that dies before (bad configuration, database unreachable at start) stops the whole service
 * with exit code 1: starting it again would fail the same way. SIGTERM or SIGINT asks every worker to shut down gracefully (a message,
 * not a second signal: Ctrl-C already signals the whole process group, and a second signal would
 * cut a worker's shutdown short; one still starting gets SIGTERM, having accepted nothing yet); the
 * primary exits 0 once they all have.
 */
import cluster, { type Worker } from "node:cluster";

/** How long a listening worker has to end after the shutdown message before it gets SIGTERM. */
const SHUTDOWN_GRACE_MS = 30_000;

/** Restarts of crashed workers allowed in any minute; one more stops the service (a crash loop). */
const MAX_RESTARTS_PER_MINUTE = 5;

/** The message the primary sends a worker to shut it down. */
export const SHUTDOWN_MESSAGE = "hocba:shutdown";

/** In a worker: resolves when the primary asks for shutdown (never outside a cluster). */
export function untilShutdownMessage(): Promise<void> {
  return new Promise((resolve) => {
    if (!cluster.isWorker) return;
    const listener = (message: unknown) => {
      if (message !== SHUTDOWN_MESSAGE) return;
      process.off("message", listener);
      resolve();
    };
    process.on("message", listener);
  });
}

/** In a worker after shutdown: closes the channel to the primary so the process can end. */
export function leaveCluster(): void {
  if (cluster.isWorker) cluster.worker?.disconnect();
}

/** Whether this process is the one that should print the start-up banner. */
export function printsBanner(): boolean {
  return !cluster.isWorker || cluster.worker?.id === 1;
}

/**
 * In the primary: runs `count` workers (this same command, forked) until `stop` resolves, then
 * shuts them down. Resolves with the exit code.
 */
export async function runWorkers(
  count: number,
  stop: Promise<unknown>,
  report: { info(message: string): void; warn(message: string): void },
): Promise<number> {
  const workers = new Set<Worker>();
  const listening = new WeakSet<Worker>();
  let everListening = 0;
  let stopping = false;
  let exitCode = 0;
  const restarts: number[] = [];
  const recentRestarts = () => restarts.filter((at) => Date.now() - at < 60_000).length;
  let allGone: () => void = () => undefined;
  const gone = new Promise<void>((resolve) => (allGone = resolve));

  const shutDown = () => {
    stopping = true;
    for (const worker of workers) {
      // One still starting has accepted nothing and may not listen for messages yet: signal it.
      if (listening.has(worker) && worker.isConnected()) worker.send(SHUTDOWN_MESSAGE);
      else worker.process.kill("SIGTERM");
    }
    if (workers.size === 0) allGone();
    setTimeout(() => {
      for (const worker of workers) worker.process.kill("SIGTERM");
    }, SHUTDOWN_GRACE_MS).unref();
  };
  const fork = () => {
    const worker = cluster.fork();
    workers.add(worker);
    worker.once("listening", () => {
      listening.add(worker);
      if (++everListening === count) report.info(`hocba serve: ${count} processes listening`);
    });
    worker.once("exit", (code, signal) => {
      workers.delete(worker);
      const how = signal ?? `code ${code}`;
      if (stopping) {
        if (signal === null && code !== 0) exitCode = 1; // ended by our SIGTERM while starting: clean
        if (workers.size === 0) allGone();
      } else if (listening.has(worker) && recentRestarts() < MAX_RESTARTS_PER_MINUTE) {
        restarts.push(Date.now());
        report.warn(`hocba serve: process ${worker.process.pid} ended (${how}); starting another`);
        fork();
      } else if (listening.has(worker)) {
        report.warn(
          `hocba serve: process ${worker.process.pid} ended (${how}), the ${MAX_RESTARTS_PER_MINUTE + 1}th within a minute; stopping`,
        );
        exitCode = 1;
        shutDown();
      } else {
        report.warn(`hocba serve: process ${worker.process.pid} ended (${how}) before it listened; stopping`);
        exitCode = 1;
        shutDown();
      }
    });
  };

  for (let i = 0; i < count; i++) fork();
  void stop.then(() => {
    if (!stopping) shutDown();
  });
  await gone;
  return exitCode;
}
