/**
 * The verification pipeline (docs/verification.md, in the manner of oa-verify): the format check reads the
 * file; the seven others run concurrently over the parsed credential, each wrapped so that an
 * exception becomes an `error` check — `verifyCredential` never throws — and one pure rule turns
 * the checks into the verdict. Routes, the CLI and the page add no logic of their own.
 */
import { isHocbaError } from "../errors";
import { CHECKS, checkInputOf, type CheckFunction, type CheckInput, type Fragment } from "./checks";
import { parseCredential } from "./format";
import type { Check, CheckName, VerificationContext, VerificationResult } from "./types";

/** The verdict: valid iff no check is invalid or error (skipped checks do not count). */
export function verdictOf(checks: readonly Check[]): boolean {
  return checks.every((check) => check.status === "valid" || check.status === "skipped");
}

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
      problems: [{ path: "", message: error instanceof Error ? error.message : String(error) }],
    };
  }
  if (!parsed.ok) {
    const count = parsed.problems.length;
    const first = parsed.problems[0];
    const checks: Check[] = [
      {
        name: "format",
        status: "invalid",
        message: `not a valid hocba/1 credential: ${count} problem${count === 1 ? "" : "s"}, first at ${first?.path || "/"}: ${first?.message}`,
        data: { problems: parsed.problems },
      },
      ...CHECKS.map(([name]) => ({
        name,
        status: "skipped" as const,
        message: "not checked: the file is not a valid hocba/1 credential",
      })),
    ];
    return { valid: false, checks };
  }
  const { document, anchor } = parsed.credential;
  const input = checkInputOf(parsed.credential, context);
  const format: Check = {
    name: "format",
    status: "valid",
    message: `a hocba/1 credential holding a valid ${document.type} document`,
    data: {
      documentType: document.type,
      documentId: document.id,
      chainId: anchor.chainId,
      registry: anchor.registry,
    },
  };
  const checks = [format, ...(await Promise.all(CHECKS.map(([name, check]) => guarded(name, check, input))))];
  return { valid: verdictOf(checks), checks };
}
