/**
 * A small pool of workers (worker.ts): as many as the machine has cores (navigator.hardwareConcurrency,
 * at most 8), each with a few jobs in flight so that one file's network round trips overlap
 * another's arithmetic. Jobs wait in a queue; the main thread only posts and receives messages,
 * so the page stays responsive while thousands of files are checked.
 */
import type { Answer, AnswerMessage, Job, JobMessage } from "./protocol";

/** Jobs one worker holds at once. */
const IN_FLIGHT = 4;

interface Pending {
  job: () => Promise<{ job: Job; transfer: ArrayBuffer[] }>;
  resolve: (answer: Answer) => void;
}

interface Slot {
  worker: Worker;
  busy: Map<number, (answer: Answer) => void>;
}

export class WorkerPool {
  readonly size: number;
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 0;

  constructor(size = Math.min(8, Math.max(1, navigator.hardwareConcurrency || 2))) {
    this.size = size;
    for (let i = 0; i < size; i++) this.slots.push(this.spawn());
  }

  private spawn(): Slot {
    const worker = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
    const slot: Slot = { worker, busy: new Map() };
    worker.addEventListener("message", (event: MessageEvent<AnswerMessage>) => {
      const resolve = slot.busy.get(event.data.id);
      slot.busy.delete(event.data.id);
      resolve?.(event.data.answer);
      this.pump();
    });
    worker.addEventListener("error", (event) => {
      // A worker that dies fails its jobs as "could not be checked", and is replaced.
      event.preventDefault();
      for (const resolve of slot.busy.values())
        resolve({
          kind: "problem",
          status: "error",
          problem: { code: "READ_FAILED", message: event.message || "the worker stopped" },
        });
      worker.terminate();
      this.slots[this.slots.indexOf(slot)] = this.spawn();
      this.pump();
    });
    return slot;
  }

  /** Runs a job (made when a worker is free, so that files are read only then) and gives its answer. */
  run(job: () => Promise<{ job: Job; transfer: ArrayBuffer[] }>): Promise<Answer> {
    return new Promise((resolve) => {
      this.queue.push({ job, resolve });
      this.pump();
    });
  }

  private pump(): void {
    for (;;) {
      const slot = this.slots.reduce((a, b) => (b.busy.size < a.busy.size ? b : a));
      if (slot.busy.size >= IN_FLIGHT) return;
      const pending = this.queue.shift();
      if (!pending) return;
      const id = this.nextId++;
      slot.busy.set(id, pending.resolve);
      pending
        .job()
        .then(({ job, transfer }) => {
          const message: JobMessage = { id, job };
          slot.worker.postMessage(message, transfer);
        })
        .catch((error: unknown) => {
          slot.busy.delete(id);
          pending.resolve({
            kind: "problem",
            status: "error",
            problem: { code: "READ_FAILED", message: (error as Error).message },
          });
          this.pump();
        });
    }
  }

  /** Stops every worker. */
  close(): void {
    for (const slot of this.slots) slot.worker.terminate();
  }
}
