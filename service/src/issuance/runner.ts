/**
 * Drives the anchoring steps over time. The same `anchorPending` round runs under either runner:
 * in-process (embedded default: a timer in the service) or BullMQ (production: any number of
 * `hocba worker` processes, see adapters/queue/bullmq.ts). Rounds never overlap within a process;
 * across processes the database locks in anchoring.ts keep them safe.
 */
import { isHocbaError } from "../core/errors";
import { anchorPending, type AnchoringDeps } from "./anchoring";

export interface AnchorRunner {
  /** Ask for a round soon (e.g. when a full batch is pending); never throws. */
  trigger(): void;
  /** Stop the timer and wait for a round in progress. */
  stop(): Promise<void>;
}

export interface InProcessRunnerOptions {
  intervalMs: number;
  onError?: (error: unknown) => void;
}

/** A timer-driven runner in this process. The first round runs at once. */
export function startInProcessRunner(deps: AnchoringDeps, options: InProcessRunnerOptions): AnchorRunner {
  let running: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const round = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      do {
        again = false;
        try {
          await anchorPending(deps);
        } catch (error) {
          // A chain or database outage: state is safe, the next round resumes from it.
          if (options.onError) options.onError(error);
          else if (!isHocbaError(error) || error.code !== "CHAIN_UNAVAILABLE") throw error;
        }
      } while (again && !stopped);
    })().finally(() => {
      running = undefined;
      schedule();
    });
    return running;
  };
  const schedule = () => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(() => void round(), options.intervalMs);
    timer.unref();
  };

  void round();
  return {
    trigger: () => {
      if (!stopped) void round();
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
