/**
 * A real RFC 3161 timestamp authority for tests: OpenSSL's `openssl ts -reply` behind a small
 * node:http endpoint, with a TSA PKI made by OpenSSL (root CA → TSA certificate with the critical
 * extended key usage timeStamping). Every request is answered by OpenSSL itself; `mode` makes the
 * endpoint misbehave the ways a TSA can: an HTTP 500, bytes that are no TimeStampResp, a rejection
 * (OpenSSL refusing a digest it is not configured for), an old answer replayed.
 */
import { execFile } from "node:child_process";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { openssl, tempDir } from "./files";

const run = promisify(execFile);

/** The shells of `replyMany`: one per core. */
const SLOTS = Array.from({ length: Math.max(1, availableParallelism()) }, (_, slot) => slot);

export type TsaMode = "ok" | "http-500" | "garbage" | "rejected" | "replay";

export interface TestTsa {
  /** http://127.0.0.1:<port>/tsr */
  url: string;
  /** The folder holding root.pem (the TSA root), tsa.pem, tsa.key, tsa.cnf. */
  dir: string;
  /** PEM of the TSA's root CA: what TSA_TRUST_DIR holds. */
  rootPem: string;
  /** A folder holding only root.pem, ready to be TSA_TRUST_DIR. */
  trustDir: string;
  /** PEM of the TSA's own certificate. */
  tsaPem: string;
  /** How the endpoint answers the next requests. */
  mode: TsaMode;
  /** Requests received so far. */
  requests: number;
  /**
   * Answers many DER TimeStampReq at once, without HTTP: one shell per core runs `openssl ts
   * -reply` over its share of the queries, each shell with its own serial-number file. For the
   * benchmarks, which need thousands of tokens (one `execFile` per token costs ~20 ms).
   */
  replyMany(queries: readonly Uint8Array[]): Promise<Buffer[]>;
  close(): Promise<void>;
}

export interface TsaOptions {
  /** The TSA certificate's extended key usage line (OpenSSL syntax); default "critical,timeStamping". */
  extendedKeyUsage?: string;
  /** Subject of the TSA certificate; default a Vietnamese-named test TSA. */
  subject?: string;
}

/**
 * Makes a TSA PKI with OpenSSL and starts the endpoint on an ephemeral port.
 * @example
 * const tsa = await startTsa();
 * await sign([document, "--p12", p12, "--tsa", tsa.url], io);
 * await tsa.close();
 */
export async function startTsa(options: TsaOptions = {}): Promise<TestTsa> {
  const temp = tempDir("tsa");
  const trust = tempDir("tsa-trust");
  const file = (name: string): string => temp.path(name);
  openssl("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", file("root.key"));
  openssl(
    "req",
    "-x509",
    "-new",
    "-utf8",
    "-key",
    file("root.key"),
    "-subj",
    "/CN=Test TSA Root CA/O=hocba tests/C=VN",
    "-days",
    "3650",
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign",
    "-out",
    file("root.pem"),
  );
  openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", file("tsa.key"));
  openssl(
    "req",
    "-new",
    "-utf8",
    "-key",
    file("tsa.key"),
    "-subj",
    options.subject ?? "/CN=Dịch vụ cấp dấu thời gian thử nghiệm/O=hocba tests/C=VN",
    "-out",
    file("tsa.csr"),
  );
  temp.write(
    "tsa-ext.cnf",
    [
      "[tsa]",
      "basicConstraints = CA:FALSE",
      "keyUsage = critical,digitalSignature,nonRepudiation",
      `extendedKeyUsage = ${options.extendedKeyUsage ?? "critical,timeStamping"}`,
      "subjectKeyIdentifier = hash",
      "authorityKeyIdentifier = keyid",
      "",
    ].join("\n"),
  );
  openssl(
    "x509",
    "-req",
    "-in",
    file("tsa.csr"),
    "-CA",
    file("root.pem"),
    "-CAkey",
    file("root.key"),
    "-set_serial",
    "0x5a17",
    "-days",
    "365",
    "-extfile",
    file("tsa-ext.cnf"),
    "-extensions",
    "tsa",
    "-out",
    file("tsa.pem"),
  );
  temp.write("tsaserial", "01\n");
  const section = (name: string, digests: string, serial = "tsaserial"): string[] => [
    `[${name}]`,
    `dir = ${temp.dir}`,
    `serial = $dir/${serial}`,
    "crypto_device = builtin",
    "signer_cert = $dir/tsa.pem",
    "certs = $dir/root.pem",
    "signer_key = $dir/tsa.key",
    "signer_digest = sha256",
    "default_policy = 1.3.6.1.4.1.99999.1",
    `digests = ${digests}`,
    "accuracy = secs:1",
    "ordering = yes",
    "tsa_name = yes",
    "ess_cert_id_chain = no",
    "ess_cert_id_alg = sha256",
    "",
  ];
  temp.write(
    "tsa.cnf",
    [
      "[tsa]",
      "default_tsa = tsa_ok",
      "",
      ...section("tsa_ok", "sha256, sha384, sha512"),
      // a TSA that accepts SHA-512 imprints only: OpenSSL rejects hocba's SHA-256 request (badAlg)
      ...section("tsa_sha512_only", "sha512"),
      ...SLOTS.flatMap((slot) => section(`tsa_slot${slot}`, "sha256", `tsaserial-${slot}`)),
    ].join("\n"),
  );
  // serials of slot k start at (k + 1) · 2^32: no two tokens of this TSA share one
  for (const slot of SLOTS)
    temp.write(`tsaserial-${slot}`, `${(slot + 1).toString(16).padStart(2, "0")}00000000\n`);
  const rootPem = readFileSync(file("root.pem"), "utf8");
  trust.write("tsa-root.pem", rootPem);

  let counter = 0;
  let last: Buffer | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  const reply = async (query: Buffer, section: string): Promise<Buffer> => {
    const id = ++counter;
    writeFileSync(file(`q${id}.tsq`), query);
    await run("openssl", [
      "ts",
      "-reply",
      "-config",
      file("tsa.cnf"),
      "-section",
      section,
      "-queryfile",
      file(`q${id}.tsq`),
      "-out",
      file(`r${id}.tsr`),
    ]);
    return readFileSync(file(`r${id}.tsr`));
  };

  let batches: Promise<unknown> = Promise.resolve();
  const replyBatch = async (queries: readonly Uint8Array[]): Promise<Buffer[]> => {
    const batch = ++counter;
    const names = queries.map((query, i) => {
      writeFileSync(file(`b${batch}-${i}.tsq`), query);
      return file(`b${batch}-${i}`);
    });
    await Promise.all(
      SLOTS.map((slot) =>
        run(
          "sh",
          [
            "-c",
            `set -e; for f in "$@"; do openssl ts -reply -config "${file("tsa.cnf")}" -section tsa_slot${slot} -queryfile "$f.tsq" -out "$f.tsr" 2>/dev/null; done`,
            "sh",
            ...names.filter((_, i) => i % SLOTS.length === slot),
          ],
          { maxBuffer: 1 << 20 },
        ),
      ),
    );
    return names.map((name) => {
      const answer = readFileSync(`${name}.tsr`);
      rmSync(`${name}.tsq`);
      rmSync(`${name}.tsr`);
      return answer;
    });
  };

  const tsa: TestTsa = {
    url: "",
    dir: temp.dir,
    rootPem,
    trustDir: trust.dir,
    tsaPem: readFileSync(file("tsa.pem"), "utf8"),
    mode: "ok",
    requests: 0,
    // one batch at a time: each shell writes its slot's serial-number file
    replyMany: (queries) => {
      const next = batches.then(() => replyBatch(queries));
      batches = next.catch(() => undefined);
      return next;
    },
    close: () => Promise.resolve(),
  };
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      tsa.requests++;
      const mode = tsa.mode;
      const answer = (status: number, body: Buffer | string, type = "application/timestamp-reply"): void => {
        response.writeHead(status, { "content-type": type });
        response.end(body);
      };
      if (request.method !== "POST" || request.headers["content-type"] !== "application/timestamp-query")
        return answer(415, "expected POST application/timestamp-query", "text/plain");
      if (mode === "http-500") return answer(500, "internal error", "text/plain");
      if (mode === "garbage") return answer(200, "<html>this is not a timestamp</html>", "text/html");
      if (mode === "replay" && last !== undefined) return answer(200, last);
      // one OpenSSL at a time: they share the serial number file
      const next = queue.then(() =>
        reply(Buffer.concat(chunks), mode === "rejected" ? "tsa_sha512_only" : "tsa_ok"),
      );
      queue = next.catch(() => undefined);
      next.then(
        (body) => {
          if (mode === "ok") last = body;
          answer(200, body);
        },
        (error: unknown) => answer(500, String(error), "text/plain"),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  tsa.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/tsr`;
  tsa.close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    temp.dispose();
    trust.dispose();
  };
  return tsa;
}

/** An http URL on which nothing listens (a port just released). */
export async function deadTsaUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/tsr`;
}
