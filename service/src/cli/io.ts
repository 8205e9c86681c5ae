/**
 * What a CLI command touches outside its arguments — output streams and environment — passed in
 * rather than read from `process`, so tests run a command in-process and read what it printed.
 * Also the file and JSON readers every command uses, so a missing file or broken JSON gets the
 * same code and message everywhere (IO, JSON_MALFORMED).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { parseArgs, type ParseArgsConfig } from "node:util";
import { HocbaError } from "../core/errors";

export interface CliIo {
  stdout(text: string): void;
  stderr(text: string): void;
  env: Readonly<Record<string, string | undefined>>;
  /**
   * Asks for a secret (a token PIN) on the terminal without echoing it; resolves undefined when
   * there is no terminal to ask on (stdin is not a TTY) or when the io cannot ask at all.
   */
  readSecret?(prompt: string): Promise<string | undefined>;
  /**
   * Asks a question (prompt on stderr) and reads one line of the answer from stdin; resolves
   * undefined when stdin ends without one or the io cannot ask.
   */
  readLine?(prompt: string): Promise<string | undefined>;
}

/** The real process streams and environment. */
export const processIo: CliIo = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
  env: process.env,
  readSecret: (prompt) => readSecretFromTerminal(prompt),
  readLine: (prompt) => readLineFromStdin(prompt),
};

/** One line from stdin (a terminal or a pipe), the prompt on stderr; undefined at end of input. */
async function readLineFromStdin(prompt: string): Promise<string | undefined> {
  const { createInterface } = await import("node:readline");
  const lines = createInterface({ input: process.stdin, output: process.stderr, terminal: false });
  process.stderr.write(prompt);
  return new Promise((resolve) => {
    let answered = false;
    lines.once("line", (line) => {
      answered = true;
      lines.close();
      resolve(line);
    });
    lines.once("close", () => {
      if (!answered) resolve(undefined);
    });
  });
}

/**
 * Reads one line from the terminal with echo off (raw mode): the prompt goes to stderr, so stdout
 * stays the command's output. Backspace edits; Ctrl-C or Ctrl-D cancels (HocbaError USAGE).
 */
function readSecretFromTerminal(prompt: string): Promise<string | undefined> {
  const stdin = process.stdin;
  if (!stdin.isTTY) return Promise.resolve(undefined);
  process.stderr.write(prompt);
  return new Promise((resolve, reject) => {
    let secret = "";
    const finish = (error?: HocbaError): void => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
      if (error === undefined) resolve(secret);
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      for (const char of chunk.toString("utf8")) {
        if (char === "\r" || char === "\n") return finish();
        if (char === "\u0003" || char === "\u0004")
          return finish(new HocbaError("USAGE", "cancelled at the PIN prompt"));
        if (char === "\u007f" || char === "\b") secret = Array.from(secret).slice(0, -1).join("");
        else secret += char;
      }
    };
    stdin.setRawMode(true);
    stdin.resume();
    stdin.on("data", onData);
  });
}

/**
 * Reads a whole file.
 * @throws HocbaError IO naming the file and the reason (missing, a directory, no permission).
 */
export function readInput(path: string, what: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new HocbaError("IO", `cannot read ${what} ${path}: ${reason(error)}`, { cause: error });
  }
}

/**
 * A certificate file as PEM text: PEM files as they are, a DER file (.cer/.der exported from a
 * token or Windows) wrapped in a PEM block.
 * @throws HocbaError IO.
 */
export function readCertificateFile(path: string): string {
  const bytes = readInput(path, "certificate");
  if (bytes.includes("-----BEGIN")) return bytes.toString("utf8");
  const lines = bytes.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`;
}

/** Writes a whole file. @throws HocbaError IO. */
export function writeOutput(path: string, data: string | Uint8Array): void {
  try {
    writeFileSync(path, data);
  } catch (error) {
    throw new HocbaError("IO", `cannot write ${path}: ${reason(error)}`, { cause: error });
  }
}

/**
 * Parses JSON text (a UTF-8 byte-order mark is tolerated, as Windows editors write one).
 * @throws HocbaError JSON_MALFORMED naming the file and the parser's complaint.
 */
export function parseJsonInput(bytes: Uint8Array, path: string): unknown {
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch (error) {
    throw new HocbaError("JSON_MALFORMED", `${path} is not UTF-8 text`, { cause: error });
  }
  try {
    return JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    throw new HocbaError("JSON_MALFORMED", `${path} is not valid JSON: ${reason(error)}`, { cause: error });
  }
}

function reason(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === "ENOENT") return "no such file";
  if (code === "EISDIR") return "it is a directory";
  if (code === "EACCES") return "permission denied";
  return error instanceof Error ? error.message : String(error);
}

/**
 * node:util parseArgs whose complaints (unknown option, missing value) become USAGE errors
 * followed by the command's help text.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(
  config: T,
  help: string,
): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (error) {
    throw usageError((error as Error).message, help);
  }
}

/** The kinds of option in a command's options table (node:util parseArgs). */
export const STRING = { type: "string" } as const;
export const STRINGS = { type: "string", multiple: true } as const;
export const FLAG = { type: "boolean" } as const;
/** `-h, --help`: every command has it (commandArgs answers it; defineCommand adds it). */
export const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const;

/**
 * parseCommandArgs with the command's `-h, --help` (an option `help` of the config) answered: then
 * the help text is printed and the result is undefined — the command returns 0.
 */
export function commandArgs<T extends ParseArgsConfig>(
  config: T,
  help: string,
  io: Pick<CliIo, "stdout">,
): ReturnType<typeof parseArgs<T>> | undefined {
  const parsed = parseCommandArgs(config, help);
  if ((parsed.values as { help?: boolean }).help !== true) return parsed;
  io.stdout(help + "\n");
  return undefined;
}

/**
 * `[action, subject, rest]` of `hocba <command> <action> <subject> …`: the action, what it acts on,
 * and the arguments after them. @throws USAGE when the action is missing or not one of `actions`,
 * or the subject is missing (`missingSubject` says so).
 */
export function actionArgs<A extends string>(
  positionals: readonly string[],
  actions: readonly A[],
  missingSubject: string,
  help: string,
): [action: A, subject: string, rest: string[]] {
  const [action, subject, ...rest] = positionals;
  if (action === undefined || !actions.some((known) => known === action))
    throw usageError(action === undefined ? "what to do is missing" : `unknown action "${action}"`, help);
  if (subject === undefined) throw usageError(missingSubject, help);
  return [action as A, subject, rest];
}

/** A USAGE error: the problem, a blank line, the command's help. */
export function usageError(message: string, help: string): HocbaError {
  return new HocbaError("USAGE", `${message}\n\n${help}`);
}
