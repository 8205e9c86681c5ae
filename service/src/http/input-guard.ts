/**
 * Refuses hostile input before any schema or use case sees it, each time with a coded 400
 * (SCHEMA_INVALID, one detail naming the place):
 *   - a JSON body nested deeper than MAX_JSON_DEPTH, found by one scan of the text before it is
 *     parsed (a hocba credential is nested 7 levels deep; recursive checks must never meet 10,000);
 *   - a NUL character or a lone UTF-16 surrogate in any string or object key of the body, the
 *     path parameters or the query string (PostgreSQL cannot store NUL; a lone surrogate has no
 *     UTF-8 form, so a signature could never cover it).
 * The JSON parser stays Fastify's own (prototype-poisoning protection), behind the depth scan.
 */
import type { FastifyInstance, FastifyRequest } from "fastify";
import { HocbaError } from "../core/errors";

/** Deepest accepted nesting of objects and arrays in a JSON body. */
export const MAX_JSON_DEPTH = 32;

function refused(path: string, code: string, message: string): HocbaError {
  return new HocbaError("SCHEMA_INVALID", message, { details: [{ path, code, message }] });
}

/** Whether the JSON text nests objects and arrays deeper than `max` (strings are skipped). */
export function jsonDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

const NUL_OR_LONE_SURROGATE = /\0|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function pointerToken(key: string): string {
  return key.replace(/~/g, "~0").replace(/\//g, "~1");
}

/**
 * The JSON pointer of the first string or key holding a NUL or a lone surrogate, with which one;
 * undefined when there is none. Recursion is bounded by MAX_JSON_DEPTH (bodies) or flat (params).
 */
export function badStringIn(value: unknown, path: string): { path: string; nul: boolean } | undefined {
  if (typeof value === "string") {
    const m = NUL_OR_LONE_SURROGATE.exec(value);
    return m ? { path, nul: m[0] === "\0" } : undefined;
  }
  // Bytes (a file sent as the raw body) are not text.
  if (typeof value !== "object" || value === null || ArrayBuffer.isView(value)) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = badStringIn(value[i], `${path}/${i}`);
      if (found) return found;
    }
    return undefined;
  }
  for (const [key, item] of Object.entries(value)) {
    const inKey = badStringIn(key, `${path}/${pointerToken(key)}`);
    if (inKey) return inKey;
    const found = badStringIn(item, `${path}/${pointerToken(key)}`);
    if (found) return found;
  }
  return undefined;
}

function checkStrings(request: FastifyRequest): void {
  for (const [part, value] of [
    ["params", request.params],
    ["querystring", request.query],
    ["body", request.body],
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
