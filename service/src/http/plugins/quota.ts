/**
 * Who a public limit counts, and a limit that counts units rather than requests.
 *
 * A client is its address as Fastify resolves it (the socket's peer, or the first untrusted hop of
 * X-Forwarded-For behind the proxies TRUST_PROXY names), an IPv4-mapped IPv6 address as IPv4, and
 * an IPv6 address by its /64: a home line or a phone is given a whole /64 and could otherwise
 * take a fresh address for every request. @fastify/rate-limit counts the same way (its default
 * key generator, `ipv6Subnet` 64), so every limit of the service agrees on who a client is.
 *
 * `app.quota` takes a number of units from a client's count for a window: the verify routes take
 * one per credential, so a batch of 500 uses 500 of VERIFY_RATE_MAX. A request that would go over
 * is refused without taking anything. The counts live in Redis when the app has a rate-limit
 * store (shared by every service process) and in this process's memory otherwise; while Redis is
 * away the quota is not applied, as for the other limits (a failed Redis must not fail the routes).
 */
import { normalizeIP } from "@fastify/rate-limit";
import type { FastifyInstance, FastifyRequest } from "fastify";
import fp from "fastify-plugin";
import type { Redis } from "ioredis";

/** Prefix length by which IPv6 clients are counted. */
export const IPV6_CLIENT_PREFIX = 64;

/** The key a client is counted by: its address, IPv6 by /64. */
export function clientKey(request: FastifyRequest): string {
  return normalizeIP(request.ip, IPV6_CLIENT_PREFIX);
}

/** "10 minutes", "1 minute", "45 seconds": a window or a wait as people read it. */
export function durationText(ms: number): string {
  const seconds = Math.max(1, Math.ceil(ms / 1000));
  if (seconds < 120 && seconds % 60 !== 0) return `${seconds} second${seconds === 1 ? "" : "s"}`;
  const minutes = Math.round(seconds / 60);
  return `${minutes} minute${minutes === 1 ? "" : "s"}`;
}

export interface QuotaAnswer {
  /** Whether the units were taken. */
  allowed: boolean;
  /** The client's count in this window, after taking (or as it stands, when refused). */
  used: number;
  /** Milliseconds until the window ends. */
  resetMs: number;
}

export interface Quota {
  /** Takes `amount` units from `key`'s count if it stays within `max` for the window of `windowMs`. */
  take(key: string, amount: number, max: number, windowMs: number): Promise<QuotaAnswer>;
}

declare module "fastify" {
  interface FastifyInstance {
    quota: Quota;
  }
}

/** Windows kept in memory before expired ones are swept; past twice this, the oldest go. */
const MEMORY_SWEEP_AT = 10_000;

export function memoryQuota(now: () => number = Date.now): Quota {
  const counts = new Map<string, { used: number; until: number }>();
  const sweep = (t: number) => {
    for (const [key, entry] of counts) if (entry.until <= t) counts.delete(key);
    for (const key of counts.keys()) {
      if (counts.size <= 2 * MEMORY_SWEEP_AT) break;
      counts.delete(key);
    }
  };
  return {
    take(key, amount, max, windowMs) {
      const t = now();
      let entry = counts.get(key);
      if (entry === undefined || entry.until <= t) {
        if (counts.size >= MEMORY_SWEEP_AT) sweep(t);
        entry = { used: 0, until: t + windowMs };
        counts.set(key, entry);
      }
      const allowed = entry.used + amount <= max;
      if (allowed) entry.used += amount;
      return Promise.resolve({ allowed, used: entry.used, resetMs: entry.until - t });
    },
  };
}

/** Takes ARGV[1] from KEYS[1] unless the count would pass ARGV[2]; the window is ARGV[3] ms. */
const TAKE_SCRIPT = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local amount = tonumber(ARGV[1])
local allowed = 0
if used + amount <= tonumber(ARGV[2]) then
  used = redis.call('INCRBY', KEYS[1], amount)
  allowed = 1
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 and used > 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
if ttl < 0 then ttl = tonumber(ARGV[3]) end
return {allowed, used, ttl}
`;

type QuotaRedis = Redis & {
  hocbaQuotaTake(
    key: string,
    amount: number,
    max: number,
    windowMs: number,
  ): Promise<[number, number, number]>;
};

export function redisQuota(redis: Redis, nameSpace: string): Quota {
  if (!("hocbaQuotaTake" in redis))
    redis.defineCommand("hocbaQuotaTake", { numberOfKeys: 1, lua: TAKE_SCRIPT });
  const client = redis as QuotaRedis;
  return {
    async take(key, amount, max, windowMs) {
      try {
        const [allowed, used, ttl] = await client.hocbaQuotaTake(
          `${nameSpace}quota:${key}`,
          amount,
          max,
          windowMs,
        );
        return { allowed: allowed === 1, used, resetMs: ttl };
      } catch {
        return { allowed: true, used: 0, resetMs: windowMs };
      }
    },
  };
}

export interface QuotaOptions {
  store?: { redis: Redis; nameSpace: string } | undefined;
}

export const quotaPlugin = fp(
  (app: FastifyInstance, options: QuotaOptions, done: (err?: Error) => void) => {
    app.decorate(
      "quota",
      options.store ? redisQuota(options.store.redis, options.store.nameSpace) : memoryQuota(),
    );
    done();
  },
  { name: "hocba-quota" },
);
