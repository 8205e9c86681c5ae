/**
 * The HocbaError a promise rejects with (or a function throws), as the plain object tests compare
 * whole: code, message and, when it has them, details.
 */
import { isHocbaError } from "../../service/src/core/errors";

type PlainError = { code: string; message: string; details?: unknown };

function plain(error: unknown): PlainError {
  if (!isHocbaError(error)) throw error;
  return error.details === undefined
    ? { code: error.code, message: error.message }
    : { code: error.code, message: error.message, details: error.details };
}

export async function rejectionOf(run: Promise<unknown>): Promise<PlainError> {
  try {
    await run;
  } catch (error) {
    return plain(error);
  }
  throw new Error("expected a HocbaError");
}

/** The HocbaError `run` throws, as `rejectionOf` gives it. */
export function thrownBy(run: () => unknown): PlainError {
  try {
    run();
  } catch (error) {
    return plain(error);
  }
  throw new Error("expected a HocbaError");
}
