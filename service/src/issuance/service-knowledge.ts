/**
 * What the issuing service itself knows for verification, beside the chain — the two service
 * ports of core/verification:
 *  - supersession: a correction supersedes a document (documents.superseded_by);
 *  - revocations: the issuer revoked a document (documents.revoked_at, set when
 *    `POST …/revoke` answers, while the chain learns it only when the next anchoring round
 *    writes it), so a verification right after a revocation reports it, "on-chain write pending";
 *  - issuerRoles: each certificate's role and the roles the issuer requires (issuers.ts), which
 *    the on-chain registry does not hold; asked once per issuer for the lookups in flight.
 * The lookups asked during one turn of the event loop go to the database in one query: a batch of
 * 1,000 credentials, or 50 connections verifying one credential each, cost one round trip per
 * question, not one per credential. A failed read rejects the lookups of that turn (the checks
 * that asked report `error`).
 */
import { BYTES32_PATTERN, UUID_ANY_CASE_PATTERN } from "../core/encoding";
import type { Queryable } from "./ports";
import type {
  IssuerRolesLookup,
  RevocationLookup,
  SupersessionLookup,
  VerificationContext,
} from "../core/verification";
import { issuerRoles } from "./stores/issuers";
import { revokedLeaves, supersededBy } from "./stores/documents";

export interface ServiceKnowledge {
  supersession: SupersessionLookup;
  revocations: RevocationLookup;
  issuerRoles: IssuerRolesLookup;
}

/**
 * The service's verification context (composed once, in server/compose.ts): trust anchors, crypto
 * and the cached chain, with the service's own knowledge — which the public chain routes also
 * answer from.
 */
export type ServiceVerification = VerificationContext & ServiceKnowledge;

const UUID = new RegExp(UUID_ANY_CASE_PATTERN);
const BYTES32 = new RegExp(BYTES32_PATTERN);

/**
 * A lookup by key whose keys asked during one turn of the event loop are read together by
 * `readMany` (the keys it is given are distinct and valid; the map holds the found ones).
 */
function gathered<V>(
  valid: RegExp,
  readMany: (keys: string[]) => Promise<Map<string, V>>,
): (key: string) => Promise<V | null> {
  let gathering: { keys: Set<string>; read: Promise<Map<string, V>> } | undefined;
  return async (key) => {
    const normalized = key.toLowerCase();
    if (!valid.test(normalized)) return null;
    if (gathering === undefined) {
      const keys = new Set<string>();
      const read = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
        gathering = undefined;
        return readMany([...keys]);
      });
      gathering = { keys, read };
    }
    gathering.keys.add(normalized);
    return (await gathering.read).get(normalized) ?? null;
  };
}

/**
 * @example
 * const knowledge = serviceKnowledge(db);
 * await verifyCredential(credential, { trustAnchors, chain, ...knowledge });
 */
export function serviceKnowledge(
  db: Queryable,
  defaultRoles: readonly string[] = ["principal"],
): ServiceKnowledge {
  const rolesInFlight = new Map<string, ReturnType<IssuerRolesLookup>>();
  return {
    issuerRoles: (code) => {
      let answer = rolesInFlight.get(code);
      if (answer === undefined) {
        answer = issuerRoles(db, code, defaultRoles);
        rolesInFlight.set(code, answer);
        const forget = () => rolesInFlight.delete(code);
        answer.then(forget, forget);
      }
      return answer;
    },
    supersession: gathered(UUID, async (ids) => {
      const found = await supersededBy(db, ids);
      return new Map([...found].map(([id, by]) => [id, { supersededBy: by }]));
    }),
    revocations: gathered(BYTES32, async (leaves) => {
      const found = await revokedLeaves(db, leaves);
      return new Map([...found].map(([leaf, revokedAt]) => [leaf, { revokedAt }]));
    }),
  };
}
