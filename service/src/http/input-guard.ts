/**
 * Refuses hostile input before any schema or use case sees it, each time with a coded 400
 * (SCHEMA_INVALID, one detail naming the place):
 *   - a JSON body nested deeper than MAX_JSON_DEPTH, found by one scan of the text before it is
 *     parsed (a hocba credential is nested 7 levels deep; recursive checks must never meet 10,000);
 *   - a NUL character or a lone UTF-16 surrogate in any string or object key of the body, the
 *     path parameters or the query string (PostgreSQL cannot store NUL; a lone surrogate has no
 *     UTF-8 form, so a signature could never cover it). A JSON body is walked only when its text
 *     holds a `\u` escape that could write one.
 * The JSON parser stays Fastify's own (prototype-poisoning protection), behind the depth scan.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HocbaError } from "../core/errors";

/** Deepest accepted nesting of objects and arrays in a JSON body. */
export const MAX_JSON_DEPTH = 32;

function refused(path: string, code: string, message: string): HocbaError {
  return new HocbaError("SCHEMA_INVALID", message, { details: [{ path, code, message }] });
}

/**
 * Whether the JSON text nests objects and arrays deeper than `max`. Strings are skipped whole: the
 * scan jumps to the next quote (indexOf, native) and counts the backslashes before it, so the
 * characters of a 6 KB signature are not visited one by one in JavaScript.
 */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = closingQuote(text, i);
      if (i < 0) return false; // an unterminated string: the parser refuses it
    } else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/** The index of the quote closing the string opened at `open`, or -1. */
function closingQuote(text: string, open: number): number {
  for (let quote = text.indexOf('"', open + 1); quote >= 0; quote = text.indexOf('"', quote + 1)) {
    let backslashes = 0;
    while (text.charCodeAt(quote - 1 - backslashes) === 0x5c) backslashes++;
    if (backslashes % 2 === 0) return quote;
  }
  return -1;
}

const NUL_OR_LONE_SURROGATE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function pointerToken(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * In a JSON body's text a NUL or a surrogate can only be written as a `\u` escape: a raw NUL is not
 * valid JSON and a raw surrogate has no UTF-8 form (the body was decoded from UTF-8). A body
 * without one of these escapes needs no walk (one scan of the text instead of a walk over every
 * string and key); a body with one is walked to name the place.
 */
const ESCAPED_NUL_OR_SURROGATE = /\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})/;

/** Requests whose JSON body the scan above found clean. */
const cleanJsonBodies = new WeakSet<FastifyRequest>();

interface BadString {
  /** The JSON pointer's tokens, innermost first (built only when something is found). */
  tokens: string[];
  nul: boolean;
}

function badString(value: unknown): BadString | undefined {
  if (typeof value === "string") {
    const m = NUL_OR_LONE_SURROGATE.exec(value);
    return m ? { tokens: [], nul: m[0] === "\0" } : undefined;
  }
  // Bytes (a file sent as the raw body) are not text.
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = badString(value[i]);
      if (found) {
        found.tokens.push(String(i));
        return found;
      }
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const found = badString(key) ?? badString(item);
    if (found) {
      found.tokens.push(pointerToken(key));
      return found;
    }
  }
  return undefined;
}

/**
 * The JSON pointer of the first string or key holding a NUL or a lone surrogate, with which one;
 * undefined when there is none. Recursion is bounded by MAX_JSON_DEPTH (bodies) or flat (params).
 */
function badStringIn(value: unknown, path: string): { path: string; nul: boolean } | undefined {
  const found = badString(value);
  if (!found) return undefined;
  return {
    path:
      path +
      found.tokens
        .reverse()
        .map((t) => `/${t}`)
        .join(""),
    nul: found.nul,
  };
}

function checkStrings(request: FastifyRequest): void {
  for (const [part, value] of [
    ["params", request.params],
    ["querystring", request.query],
    ["body", cleanJsonBodies.has(request) ? undefined : request.body],
  ] as const) {
    const bad = badStringIn(value, `/${part}`);
    if (bad)
      throw refused(
        bad.path,
        bad.nul ? "STRING_NUL" : "STRING_LONE_SURROGATE",
        bad.nul
          ? `a NUL character is not allowed (at ${bad.path})`
          : `a lone UTF-16 surrogate is not text (at ${bad.path})`,
      );
  }
}

/** Installs the depth-checked JSON parser and the string check (before validation) on `app`. */
export function installInputGuard(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser("error", "error");
  app.removeContentTypeParser("application/json");
  app.addContentTypeParser("application/json", { parseAs: "string" }, (request, body, done) => {
    const text = body as string;
    if (jsonDeeperThan(text, MAX_JSON_DEPTH)) {
      done(
        refused(
          "/body",
          "JSON_TOO_DEEP",
          `the JSON body is nested deeper than ${MAX_JSON_DEPTH} levels of objects and arrays`,
        ),
        undefined,
      );
      return;
    }
    if (!ESCAPED_NUL_OR_SURROGATE.test(text)) cleanJsonBodies.add(request);
    void parseJson(request, text, done);
  });
  app.addHook("preValidation", (request, _reply, done) => {
    try {
      checkStrings(request);
      done();
    } catch (error) {
      done(error as Error);
    }
  });
}
