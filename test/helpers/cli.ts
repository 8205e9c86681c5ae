/**
 * Running `hocba` commands in tests: in-process with captured output (fast, for the logic), or as
 * the real `node bin/hocba.mjs` child process (for exit codes and what a user sees).
 */
import { execFile } from "node:child_process";
import { join } from "node:path";
import { HocbaError, isHocbaError } from "../../service/src/core/errors";
import type { CliIo } from "../../service/src/cli/io";

export interface CapturedIo extends CliIo {
  readonly out: string[];
  readonly err: string[];
  /** Everything written to stdout. */
  stdoutText(): string;
}

/** A CliIo that records what a command prints; `env` replaces the process environment. */
export function captureIo(env: Record<string, string | undefined> = {}): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    env,
    stdout: (text) => void out.push(text),
    stderr: (text) => void err.push(text),
    stdoutText: () => out.join(""),
  };
}

/** The HocbaError a command throws, as {code, message}; fails when it does not throw one. */
export async function commandError(run: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await run;
  } catch (error) {
    if (isHocbaError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new HocbaError("INTERNAL", "expected the command to fail");
}

const BIN = join(__dirname, "..", "..", "bin", "hocba.mjs");

/** Runs `node bin/hocba.mjs …args` (the built bundle, see test/helpers/global-setup.ts) and resolves with its exit code and output (never rejects on exit ≠ 0). */
export function runCli(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { env: { ...process.env, ...env } },
      (error, stdout, stderr) => {
        if (error !== null && typeof error.code !== "number")
          reject(new Error(error.message, { cause: error }));
        else resolve({ code: error === null ? 0 : (error.code as number), stdout, stderr });
      },
    );
  });
}
