/**
 * The HocbaError a promise rejects with, as the plain object tests compare whole: code, message and,
 * when it has them, details.
 */
import { isHocbaError } from "../../service/src/core/errors";

export async function rejectionOf(
  run: Promise<unknown>,
): Promise<{ code: string; message: string; details?: unknown }> {
  try {
    await run;
  } catch (error) {
    if (isHocbaError(error))
      return error.details === undefined
        ? { code: error.code, message: error.message }
        : { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error("expected a HocbaError");
}
