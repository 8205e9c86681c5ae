/**
 * Runs the benchmarks: every bench/*.bench.ts, or only those named.
 *
 *   npm run bench                          all benchmarks
 *   npm run bench -- signatures            bench/signatures.bench.ts only
 *   npm run bench -- signatures --seconds 2
 *   npm run bench -- issuance --documents 5000     (quick; default 100,000)
 *   npm run bench -- verify --processes 2          (the server as 2 processes, HTTP_PROCESSES; also issuance)
 *   npm run bench -- issuance --durable --documents 1000   CAdES-T documents accepted with
 *                                                  CERT_STATUS=require (OCSP/CRL evidence cached per certificate)
 *   npm run bench -- faults [--quick]              the fault suite (only when named; exits non-zero
 *                                                  unless nothing was lost or anchored twice)
 *   npm run bench -- soak [--quick] [--rate 500] [--soak-seconds 300]
 *                                                  steady submissions + verifications (only when
 *                                                  named; exits non-zero on an error or memory growth)
 *
 * Each file exports `run(options)`; it prints its own table. One process, one core: the figures
 * are per core. Results worth keeping go to bench/RESULTS.md by hand, with the machine's load.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";

export interface BenchOptions {
  /** Measured seconds per case (after a warm-up of a fifth of that, at least half a second). */
  seconds: number;
  /** Documents to submit and anchor (issuance; default 100,000). */
  documents?: number;
  /** Concurrent HTTP connections submitting (issuance; default 3). */
  connections?: number;
  /** `hocba serve` processes (HTTP_PROCESSES) for the benchmarks that start the server; default 1. */
  processes?: number;
  /** The short form of a long benchmark (faults: a few minutes instead of ~15; soak: 1 minute). */
  quick?: boolean;
  /** Requests per second of each open loop (soak; default 500 submissions + 500 verifications). */
  rate?: number;
  /** How long the soak holds its load, in seconds (default 300, or 60 with --quick). */
  soakSeconds?: number;

  /**
   * issuance: timestamped (CAdES-T) documents from a school registered with its leaf alone,
   * accepted with REQUIRE_TIMESTAMP and CERT_STATUS=require against OpenSSL's TSA, OCSP responder
   * and CRLs (the evidence cached per certificate, stored as CAdES-LT).
   */
  durable?: boolean;
}

/** Benchmarks that run only when named: they start and break whole deployments. */
const ON_REQUEST = new Set(["faults", "soak"]);

interface BenchModule {
  run(options: BenchOptions): Promise<void>;
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: {
      seconds: { type: "string", default: "4" },
      documents: { type: "string" },
      connections: { type: "string" },
      processes: { type: "string" },
      quick: { type: "boolean", default: false },
      rate: { type: "string" },
      "soak-seconds": { type: "string" },

      durable: { type: "boolean", default: false },
    },
  });
  const seconds = Number(values.seconds);
  if (!(seconds > 0)) throw new Error(`--seconds must be a positive number, got ${values.seconds}`);
  const whole = (name: string, raw: string | undefined): number | undefined => {
    if (raw === undefined) return undefined;
    if (!/^[1-9]\d*$/.test(raw)) throw new Error(`--${name} must be a positive whole number, got ${raw}`);
    return Number(raw);
  };
  const documents = whole("documents", values.documents);
  const connections = whole("connections", values.connections);
  const processes = whole("processes", values.processes);
  const rate = whole("rate", values.rate);
  const soakSeconds = whole("soak-seconds", values["soak-seconds"]);
  const available = readdirSync(__dirname)
    .filter((name) => name.endsWith(".bench.ts"))
    .map((name) => name.slice(0, -".bench.ts".length))
    .sort();
  const unknown = positionals.filter((name) => !available.includes(name));
  if (unknown.length > 0)
    throw new Error(`unknown benchmark(s) ${unknown.join(", ")}; available: ${available.join(", ")}`);
  const selected = positionals.length > 0 ? positionals : available.filter((name) => !ON_REQUEST.has(name));
  for (const name of selected) {
    console.log(`\n## ${name}\n`);
    const module = (await import(join(__dirname, `${name}.bench`))) as BenchModule;
    await module.run({
      seconds,
      documents,
      connections,
      processes,
      quick: values.quick,
      durable: values.durable,
      rate,
      soakSeconds,
    });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
