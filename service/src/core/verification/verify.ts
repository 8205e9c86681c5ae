/**
 * The verification pipeline (docs/verification.md, in the manner of oa-verify): the format check reads the
 * file; the seven others run concurrently over the parsed credential, each wrapped so that an
 * exception becomes an `error` check — `verifyCredential` never throws — and one pure rule turns
 * the checks into the verdict. Routes, the CLI and the page add no logic of their own.
 */
import { isHocbaError } from "../errors";
import { CHECKS, checkInputOf, type CheckFunction, type CheckInput, type Fragment } from "./checks";
import { DISCLOSABLE_CREDENTIAL_FORMAT } from "./credential";
import { parseCredential } from "./format";
import type { Check, CheckName, Verdict, VerificationContext, VerificationResult } from "./types";

/**
 * The verdict of a verification's checks — the one rule the API, the CLI and the page share:
 * a format failure of the credential's structure is `not-hocba`; otherwise any invalid check but
 * the revocation is `invalid`, a revocation alone `revoked`; then any error is `error`; else
 * `valid` (skipped checks do not count).
 * @example
 * verdictOf(result.checks) === "revoked" // a genuine transcript its school revoked
 */
export function verdictOf(checks: readonly Check[]): Verdict {
  const failed = (name: CheckName) =>
    checks.some((check) => check.name === name && check.status === "invalid");
  const format = checks.find((check) => check.name === "format");
  if (format?.status === "invalid" && format.data?.failed !== "rules") return "not-hocba";
  const invalid = checks.filter((check) => check.status === "invalid");
  if (invalid.some((check) => check.name !== "revocation")) return "invalid";
  if (failed("revocation")) return "revoked";
  if (checks.some((check) => check.status === "error")) return "error";
  return "valid";
}

/** A result from its checks: the verdict, and `valid` iff the verdict is. */
function resultOf(checks: Check[]): VerificationResult {
  const verdict = verdictOf(checks);
  return { valid: verdict === "valid", verdict, checks };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** ", with student.citizenId and year 2 withheld" — what a reader must know is not shown. */
function withheldNote(withheld: readonly string[]): string {
  if (withheld.length === 0) return "";
  const named = withheld.map((pointer) => {
    const year = /^\/years\/(\d+)$/.exec(pointer);
    return year ? `school year ${Number(year[1]) + 1}` : pointer.slice(1).replace("/", ".");
  });
  return `, with ${named.join(", ")} withheld by the holder`;
}

/** "1 problem", "3 problems". */
const problemCount = (count: number) => `${count} problem${count === 1 ? "" : "s"}`;

/** Runs one check; any exception becomes an `error` fragment carrying the error code. */
async function guarded(name: CheckName, check: CheckFunction, input: CheckInput): Promise<Check> {
  let fragment: Fragment;
  try {
    fragment = await check(input);
  } catch (error) {
    fragment = {
      status: "error",
      message: `the ${name} check could not be made: ${error instanceof Error ? error.message : String(error)}`,
      data: { code: isHocbaError(error) ? error.code : "INTERNAL" },
    };
  }
  return { name, ...fragment };
}

/**
 * Verifies a credential file's JSON value; never throws.
 * @example
 * const result = await verifyCredential(JSON.parse(text), {
 *   trustAnchors: createTrustStore([rootPem]),
 *   chain, // a ChainStatusPort; omit it to verify offline
 * });
 * for (const check of result.checks) console.log(check.name, check.status, check.message);
 */
export async function verifyCredential(
  credential: unknown,
  context: VerificationContext,
): Promise<VerificationResult> {
  let parsed: ReturnType<typeof parseCredential>;
  try {
    parsed = parseCredential(credential, context.policy?.validation);
  } catch (error) {
    parsed = {
      ok: false,
      failed: "structure",
      problems: [{ path: "", message: error instanceof Error ? error.message : String(error) }],
    };
  }
  if (!parsed.ok && parsed.failed === "structure") {
    const first = parsed.problems[0];
    const named =
      isRecord(credential) && credential.format === DISCLOSABLE_CREDENTIAL_FORMAT ? "hocba/2" : "hocba/1";
    return resultOf([
      {
        name: "format",
        status: "invalid",
        message: `not a ${named} credential: ${problemCount(parsed.problems.length)}, first at ${first?.path || "/"}: ${first?.message}`,
        data: { failed: "structure", problems: parsed.problems },
      },
      ...CHECKS.map(([name]) => ({
        name,
        status: "skipped" as const,
        message: `not checked: the file is not a ${named} credential`,
      })),
    ]);
  }
  const { document, anchor, format: named, disclosed } = parsed.credential;
  const input = checkInputOf(parsed.credential, context);
  const identity = {
    documentType: document.type,
    documentId: document.id,
    chainId: anchor.chainId,
    registry: anchor.registry,
    // What the holder withheld (hocba/2): JSON pointers into the transcript.
    ...(named === DISCLOSABLE_CREDENTIAL_FORMAT ? { withheld: disclosed.withheld } : {}),
  };
  let format: Check;
  if (parsed.ok) {
    format = {
      name: "format",
      status: "valid",
      message: `a ${named} credential holding a valid ${String(document.type)} document${withheldNote(disclosed.withheld)}`,
      data: identity,
    };
  } else {
    // A hocba file whose document breaks its rules: the other checks still run (a changed score
    // that also breaks a rule is first of all a changed score — see integrity).
    const first = parsed.problems[0];
    format = {
      name: "format",
      status: "invalid",
      message: `a ${named} credential whose document breaks its rules: ${problemCount(parsed.problems.length)}, first at ${first?.path}: ${first?.message}`,
      data: { failed: "rules", ...identity, problems: parsed.problems },
    };
  }
  return resultOf([
    format,
    ...(await Promise.all(CHECKS.map(([name, check]) => guarded(name, check, input)))),
  ]);
}
