/**
 * The lookup page's one call to the service: `GET /api/v1/graduates/search` (same origin), turned
 * into an outcome the page can show — results, "too many searches, wait N", a refused query, or the
 * service/network being down. Never throws at the page.
 */
import type { CredentialAnchor } from "../../../service/src/core/verification/credential";
import type { GraduateView } from "../../../service/src/core/documents/views";

/** Where a record's leaf is anchored: the same fields as a credential file's anchor. */
export type GraduateAnchor = CredentialAnchor;

/**
 * One graduate as the search API returns it — no citizen ID, no ethnicity, by design. The type is
 * the service's own (a type-only import: nothing of the service enters the page's bundle).
 */
export type GraduateRecord = GraduateView;

export type SearchOutcome =
  | { kind: "results"; results: GraduateRecord[] }
  /** 429: `retryAfterSeconds` from the Retry-After header, when the service sent one. */
  | { kind: "rateLimited"; retryAfterSeconds: number | undefined }
  /** 400: the service refused the query (the page's own checks should have caught it). */
  | { kind: "refused"; message: string }
  | { kind: "failed"; status: number | undefined };

export const SEARCH_PATH = "/api/v1/graduates/search";

function errorMessage(body: unknown): string {
  const error = (body as { error?: { message?: unknown } } | null)?.error;
  return typeof error?.message === "string" ? error.message : "";
}

/** Seconds from a Retry-After header (delta-seconds or an HTTP date), or undefined. */
export function retryAfterSeconds(header: string | null, now: number = Date.now()): number | undefined {
  if (header === null || header.trim() === "") return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * Runs one search with the query built by query.ts.
 * @example
 * const outcome = await searchGraduates(new URLSearchParams({ diplomaSerial: "A0123456" }));
 * if (outcome.kind === "results") show(outcome.results);
 */
export async function searchGraduates(
  params: URLSearchParams,
  fetchImpl: typeof fetch = fetch,
): Promise<SearchOutcome> {
  let response: Response;
  try {
    response = await fetchImpl(`${SEARCH_PATH}?${params.toString()}`, {
      headers: { accept: "application/json" },
      credentials: "omit",
    });
  } catch {
    return { kind: "failed", status: undefined };
  }
  const body: unknown = await response.json().catch(() => null);
  if (response.status === 429)
    return { kind: "rateLimited", retryAfterSeconds: retryAfterSeconds(response.headers.get("retry-after")) };
  if (response.status === 400) return { kind: "refused", message: errorMessage(body) };
  const results = (body as { results?: unknown } | null)?.results;
  if (!response.ok || !Array.isArray(results)) return { kind: "failed", status: response.status };
  return { kind: "results", results: results as GraduateRecord[] };
}

export const YEARS_PATH = "/api/v1/graduates/years";

/** The graduation years the lookup holds records for; undefined when the service cannot say. */
export async function graduationYears(fetchImpl: typeof fetch = fetch): Promise<number[] | undefined> {
  try {
    const response = await fetchImpl(YEARS_PATH, {
      headers: { accept: "application/json" },
      credentials: "omit",
    });
    const years = ((await response.json()) as { years?: unknown } | null)?.years;
    return response.ok && Array.isArray(years) && years.every(Number.isInteger)
      ? (years as number[])
      : undefined;
  } catch {
    return undefined;
  }
}
