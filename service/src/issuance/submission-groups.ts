/**
 * Single-document submissions stored in groups (group commit). `POST /transcripts` carries one
 * document; stored one by one, each is its own transaction — the idempotency look-up, the insert,
 * the audit row, the commit — and under a steady load of single submissions those round trips, not
 * the checks, bound the rate (bench/RESULTS.md, "Soak").
 *
 * Each submission is checked as it arrives (signature, chain, registry role, disclosures:
 * concurrently with every other request, exactly as alone); its two look-ups — the signer's
 * registration and the school's required roles — go with those of the other requests asked
 * meanwhile, in one query each (coalesce.ts: never an answer older than the request). The checked document then joins its
 * submitter's queue: when no store of that submitter is running it is stored at once (no added
 * latency on a quiet service); while one runs, the documents arriving meanwhile wait for it and are
 * stored together in the next transaction, with the same per-document answers the batch route gives
 * (202 created, 200 the same document again, 409 an id or correction taken by another). A store that
 * fails answers every document of its group with that error; nothing is acknowledged before its
 * transaction commits.
 */
import type { AuthorizationLookup } from "../core/pki";
import { coalesced } from "./coalesce";
import { certificateKeyId } from "./stores/issuers";
import {
  type Accepted,
  check,
  databaseAuthorizations,
  failure,
  type IssuerActor,
  type RequiredRoles,
  requiredRolesReader,
  storeRetrying,
  type SubmissionDeps,
  type SubmitItem,
  type SubmitResult,
} from "./documents";

/** The most documents stored in one transaction (as the batch route's largest body). */
const MAX_GROUP = 1_000;

interface Waiting {
  accepted: Accepted;
  resolve(result: SubmitResult): void;
  reject(error: unknown): void;
}

interface Queue {
  submitter: IssuerActor;
  waiting: Waiting[];
}

export type SubmitOne = (submitter: IssuerActor, item: SubmitItem) => Promise<SubmitResult>;

/** `submit(submitter, item)`: checks the item now, stores it with whatever else waits for the same submitter. */
export function groupedSubmissions(deps: SubmissionDeps): SubmitOne {
  const queues = new Map<string, Queue>();
  const now = deps.now ?? (() => new Date());
  const authorizations = coalesced(databaseAuthorizations(deps.db, now), certificateKeyId);
  const lookup: AuthorizationLookup = async (issuerCode, fingerprint) =>
    (await authorizations({ issuerCode, fingerprint })) ?? { authorized: false };
  const rolesOf = coalesced(requiredRolesReader(deps), (code: string) => code);
  const requiredRoles: RequiredRoles = async (code) => (await rolesOf(code))!;

  async function drain(key: string, queue: Queue): Promise<void> {
    try {
      while (queue.waiting.length > 0) {
        const group = queue.waiting.splice(0, MAX_GROUP);
        try {
          const stored = await storeRetrying(
            deps.db,
            queue.submitter,
            group.map((w, index) => ({ ...w.accepted, index })),
          );
          group.forEach((w, index) => w.resolve(stored.get(index)!));
        } catch (error) {
          for (const w of group) w.reject(error);
        }
      }
    } finally {
      queues.delete(key);
    }
  }

  return async (submitter, item) => {
    let accepted: Accepted;
    try {
      accepted = await check(deps, submitter, item, 0, lookup, requiredRoles);
    } catch (error) {
      return failure(error);
    }
    return new Promise<SubmitResult>((resolve, reject) => {
      const key = `${submitter.issuerCode ?? ""}\n${submitter.actor}`;
      const queue = queues.get(key);
      if (queue) {
        queue.waiting.push({ accepted, resolve, reject });
        return;
      }
      const fresh: Queue = { submitter, waiting: [{ accepted, resolve, reject }] };
      queues.set(key, fresh);
      void drain(key, fresh);
    });
  };
}
