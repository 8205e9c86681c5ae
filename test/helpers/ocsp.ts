/**
 * A certificate authority run with the `openssl` command line, the way a small CA runs: a root CA
 * and an intermediate CA (`openssl ca`, each with its index.txt), OpenSSL's own OCSP responder
 * (`openssl ocsp -port … -index …`, signing with a delegated responder certificate that carries
 * id-kp-OCSPSigning) as a child process, and OpenSSL-made CRLs (`openssl ca -gencrl`) served over
 * a node http server. The intermediate names only the root's CRL; the signer leaves name the OCSP
 * responder (authority information access) and the intermediate's CRL, except "crlOnly", which names
 * only the CRL. Revocations are written into the CA's index.txt with the time the test chooses,
 * then the CRL is remade and the responder restarted.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { createTrustStore, type SignerInput, type TrustStore } from "../../service/src/core/pki";
import { nodeCrypto } from "../../service/src/adapters/pki/node-crypto";
import { httpStatusFetcher } from "../../service/src/adapters/pki/status-http";
import {
  createCertificateStatusChecker,
  type CertificateStatusChecker,
  type CertStatusPolicy,
} from "../../service/src/issuance/certificate-status";
import { openssl, tempDir } from "./files";

/**
 * Certificate status checking as `hocba serve` does it with CERT_STATUS=`policy`: over HTTP (OCSP
 * responders and CRL locations the certificates name, e.g. this CA's), answers kept an hour.
 */
export function httpStatusChecker(policy: CertStatusPolicy, timeoutMs: number): CertificateStatusChecker {
  return createCertificateStatusChecker({
    policy,
    fetch: httpStatusFetcher({ timeoutMs }),
    crypto: nodeCrypto,
    maxAgeMs: 3_600_000,
  });
}

export type LeafName = "good" | "revoked" | "crlOnly" | "revokedLater";

export interface StatusLeaf {
  name: LeafName;
  der: Uint8Array;
  pem: string;
  keyPem: string;
  /** Uppercase hex serial, as index.txt has it. */
  serial: string;
}

export interface StatusPki {
  rootPem: string;
  rootPath: string;
  intermediate: { der: Uint8Array; pem: string };
  responderSubject: string;
  leaves: Record<LeafName, StatusLeaf>;
  store: TrustStore;
  ocspUrl: string;
  /** Requests the OCSP responder and the CRL server answered, by path ("ocsp", "/ca.crl", "/root.crl"). */
  requests: Map<string, number>;
  signerOf(name: LeafName): Promise<SignerInput>;
  /**
   * Issues a signer certificate (the leaf profile: OCSP responder and CRL named) by the
   * intermediate CA for a key kept elsewhere, e.g. generated on a PKCS#11 token, and enters it in
   * the CA's index so the responder answers for it ("good"); DER.
   */
  certifyPublicKey(publicKeyPem: string, subject: string, serial: string): Promise<Uint8Array>;
  /** Marks `name` revoked at `at` in the intermediate CA's index, remakes its CRL, restarts the responder. */
  revoke(name: LeafName, at: Date): Promise<void>;
  startResponder(): Promise<void>;
  /** The CRL server answers 503 while false. */
  serveCrls(on: boolean): void;
  stopResponder(): Promise<void>;
  dispose(): Promise<void>;
}

const SERIALS: Record<LeafName, string> = {
  good: "3001",
  revoked: "3002",
  crlOnly: "3003",
  revokedLater: "3004",
};

function caConfig(dir: string, name: string): string {
  mkdirSync(`${dir}/${name}/new`, { recursive: true });
  writeFileSync(`${dir}/${name}/index.txt`, "");
  writeFileSync(`${dir}/${name}/crlnumber`, "1000\n");
  const path = `${dir}/${name}.cnf`;
  writeFileSync(
    path,
    `[ca]
default_ca = this
[this]
dir = ${dir}/${name}
database = $dir/index.txt
new_certs_dir = $dir/new
crlnumber = $dir/crlnumber
serial = $dir/serial
default_md = sha256
policy = any
unique_subject = no
copy_extensions = none
[any]
commonName = supplied
organizationName = optional
countryName = optional
`,
  );
  return path;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/** UTCTime as index.txt writes it: YYMMDDHHMMSSZ. */
function indexTime(at: Date): string {
  return at.toISOString().replace(/^\d\d(\d\d)-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d).*$/, "$1$2$3$4$5$6Z");
}

export async function makeStatusPki(): Promise<StatusPki> {
  const files = tempDir("status-pki");
  const dir = files.dir;
  const requests = new Map<string, number>();
  const count = (key: string): void => void requests.set(key, (requests.get(key) ?? 0) + 1);

  const crls = new Map<string, Uint8Array>();
  let crlsServed = true;
  const crlServer: Server = createServer((request, response) => {
    count(request.url ?? "");
    if (!crlsServed) {
      response.writeHead(503).end();
      return;
    }
    const body = crls.get(request.url ?? "");
    if (body === undefined) {
      response.writeHead(404).end();
      return;
    }
    response.writeHead(200, { "content-type": "application/pkix-crl" }).end(body);
  });
  await new Promise<void>((resolve) => crlServer.listen(0, "127.0.0.1", resolve));
  const crlBase = `http://127.0.0.1:${(crlServer.address() as AddressInfo).port}`;
  const ocspPort = await freePort();
  // The responder is reached through a counting proxy in front of `openssl ocsp`.
  const backendPort = await freePort();
  const ocspUrl = `http://127.0.0.1:${ocspPort}`;
  const proxy: Server = createServer((request, response) => {
    count("ocsp");
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      fetch(`http://127.0.0.1:${backendPort}${request.url ?? "/"}`, {
        method: request.method ?? "POST",
        headers: { "content-type": "application/ocsp-request" },
        ...(request.method === "POST" ? { body: Buffer.concat(chunks) } : {}),
      }).then(
        async (answer) => {
          response.writeHead(answer.status, { "content-type": "application/ocsp-response" });
          response.end(Buffer.from(await answer.arrayBuffer()));
        },
        () => response.destroy(), // the responder is down: the connection just drops
      );
    });
  });
  await new Promise<void>((resolve) => proxy.listen(ocspPort, "127.0.0.1", resolve));

  const rootCnf = caConfig(dir, "root");
  const caCnf = caConfig(dir, "ca");
  const ext = files.write(
    "ext.cnf",
    `[root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ca]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:${crlBase}/root.crl
[responder]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = OCSPSigning
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
authorityInfoAccess = OCSP;URI:${ocspUrl}
crlDistributionPoints = URI:${crlBase}/ca.crl
[crlOnly]
basicConstraints = CA:FALSE
keyUsage = critical, digitalSignature, nonRepudiation
extendedKeyUsage = emailProtection
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
crlDistributionPoints = URI:${crlBase}/ca.crl
`,
  );
  const dates = ["-startdate", "20200101000000Z", "-enddate", "20400101000000Z"];
  const issue = (
    cnf: string,
    name: string,
    subject: string,
    extensions: string,
    serial: string,
    key: string[],
    selfSign = false,
  ): void => {
    openssl(
      "req",
      "-new",
      "-nodes",
      ...key,
      "-keyout",
      `${dir}/${name}.key`,
      "-subj",
      subject,
      "-utf8",
      "-out",
      `${dir}/${name}.csr`,
    );
    writeFileSync(`${dir}/${cnf === rootCnf ? "root" : "ca"}/serial`, `${serial}\n`);
    openssl(
      "ca", "-batch", "-config", cnf, "-notext", "-utf8", ...dates, "-extfile", ext, "-extensions", extensions,
      "-in", `${dir}/${name}.csr`, "-out", `${dir}/${name}.pem`,
      ...(selfSign ? ["-selfsign", "-keyfile", `${dir}/${name}.key`] : ["-cert", `${dir}/${cnf === rootCnf ? "root" : "ca"}.pem`, "-keyfile", `${dir}/${cnf === rootCnf ? "root" : "ca"}.key`]),
    ); // prettier-ignore
  };
  const rsa = ["-newkey", "rsa:2048"];
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];
  issue(rootCnf, "root", "/CN=Root CA trạng thái/O=Bộ GDĐT/C=VN", "root", "1000", rsa, true);
  issue(rootCnf, "ca", "/CN=CA cấp trung gian/O=Sở GDĐT/C=VN", "ca", "2000", rsa);
  issue(caCnf, "responder", "/CN=OCSP responder/O=Sở GDĐT/C=VN", "responder", "2001", ec);
  const leaves = {} as Record<LeafName, StatusLeaf>;
  for (const name of Object.keys(SERIALS) as LeafName[]) {
    issue(
      caCnf,
      name,
      `/CN=Người ký ${name}/O=Trường THCS Nguyễn Du/C=VN`,
      name === "crlOnly" ? "crlOnly" : "leaf",
      SERIALS[name],
      ec,
    );
    const pem = readFileSync(`${dir}/${name}.pem`, "utf8");
    leaves[name] = {
      name,
      pem,
      der: pemDer(pem),
      keyPem: readFileSync(`${dir}/${name}.key`, "utf8"),
      serial: SERIALS[name],
    };
  }

  const makeCrls = (): void => {
    for (const [name, cnf, url] of [
      ["root", rootCnf, "/root.crl"],
      ["ca", caCnf, "/ca.crl"],
    ] as const) {
      openssl("ca", "-gencrl", "-config", cnf, "-cert", `${dir}/${name}.pem`, "-keyfile", `${dir}/${name}.key`, "-crldays", "7", "-out", `${dir}/${name}.crl.pem`); // prettier-ignore
      openssl("crl", "-in", `${dir}/${name}.crl.pem`, "-outform", "DER", "-out", `${dir}/${name}.crl`);
      crls.set(url, new Uint8Array(readFileSync(`${dir}/${name}.crl`)));
    }
  };
  makeCrls();

  let responder: ChildProcess | undefined;
  const startResponder = async (): Promise<void> => {
    if (responder !== undefined) return;
    const child = spawn(
      "openssl",
      ["ocsp", "-port", String(backendPort), "-index", `${dir}/ca/index.txt`, "-CA", `${dir}/ca.pem`,
        "-rsigner", `${dir}/responder.pem`, "-rkey", `${dir}/responder.key`, "-nmin", "60"], // prettier-ignore
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    responder = child;
    // Ready when it says so: probing the port with an empty connection sends OpenSSL 3.0's
    // responder into a loop on that connection.
    await new Promise<void>((resolve, reject) => {
      let said = "";
      const listen = (chunk: Buffer): void => {
        said += chunk.toString();
        if (said.includes("waiting for OCSP client connections")) resolve();
      };
      child.stdout.on("data", listen);
      child.stderr.on("data", listen);
      child.once("exit", (code) => reject(new Error(`openssl ocsp exited (${code}): ${said}`)));
    });
  };
  const stopResponder = async (): Promise<void> => {
    const child = responder;
    responder = undefined;
    if (child?.pid === undefined || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(child.pid, "SIGTERM");
    await exited;
  };
  await startResponder();

  const rootPem = readFileSync(`${dir}/root.pem`, "utf8");
  const intermediatePem = readFileSync(`${dir}/ca.pem`, "utf8");
  return {
    rootPem,
    rootPath: `${dir}/root.pem`,
    intermediate: { pem: intermediatePem, der: pemDer(intermediatePem) },
    responderSubject: "CN=OCSP responder, O=Sở GDĐT, C=VN",
    leaves,
    store: createTrustStore([rootPem]),
    ocspUrl,
    requests,
    async signerOf(name) {
      const key = await crypto.subtle.importKey(
        "pkcs8",
        pemDer(leaves[name].keyPem),
        { name: "ECDSA", namedCurve: "P-256" },
        false,
        ["sign"],
      );
      return { certificate: leaves[name].der, chain: [pemDer(intermediatePem)], privateKey: key };
    },
    async certifyPublicKey(publicKeyPem, subject, serial) {
      writeFileSync(`${dir}/${serial}.pub.pem`, publicKeyPem);
      openssl(
        "x509", "-new", "-subj", subject, "-utf8", "-force_pubkey", `${dir}/${serial}.pub.pem`,
        "-CA", `${dir}/ca.pem`, "-CAkey", `${dir}/ca.key`, "-set_serial", `0x${serial}`,
        "-days", "3650", "-sha256",
        "-extfile", ext, "-extensions", "leaf", "-out", `${dir}/${serial}.pem`,
      ); // prettier-ignore
      const pem = readFileSync(`${dir}/${serial}.pem`, "utf8");
      const index = `${dir}/ca/index.txt`;
      writeFileSync(
        index,
        `${readFileSync(index, "utf8")}V\t400101000000Z\t\t${serial}\tunknown\t${subject}\n`,
      );
      await stopResponder();
      await startResponder();
      return pemDer(pem);
    },
    async revoke(name, at) {
      const index = `${dir}/ca/index.txt`;
      const lines = readFileSync(index, "utf8").split("\n");
      const updated = lines.map((line) => {
        const fields = line.split("\t");
        if (fields[3] !== SERIALS[name]) return line;
        return ["R", fields[1], `${indexTime(at)},keyCompromise`, ...fields.slice(3)].join("\t");
      });
      writeFileSync(index, updated.join("\n"));
      makeCrls();
      await stopResponder();
      await startResponder();
    },
    startResponder,
    stopResponder,
    serveCrls(on) {
      crlsServed = on;
    },
    async dispose() {
      await stopResponder();
      await new Promise((resolve) => proxy.close(resolve));
      await new Promise((resolve) => crlServer.close(resolve));
      files.dispose();
    },
  };
}

function pemDer(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----(BEGIN|END) [A-Z ]+-----/g, "").replace(/\s+/g, "");
  return Uint8Array.from(Buffer.from(body, "base64"));
}
