/**
 * A PKI shaped like Vietnam's, made by the `openssl` command as a CA would make it: a national
 * root ("Root CA", as the national e-signature authentication centre names its own), a licensed CA
 * below it (a VNPT-CA-like commercial CA, pathlen 0) whose certificate is published at an HTTP URL,
 * and school signers whose certificates name that URL in their AIA caIssuers — what a school
 * exports from its USB token is only such a leaf.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface OpensslCertificate {
  pem: string;
  der: Uint8Array;
  keyFile: string;
  certFile: string;
}

export interface VietnamPki {
  dir: string;
  root: OpensslCertificate;
  licensedCa: OpensslCertificate;
  /** The licensed CA as a certs-only PKCS#7 (DER), as some CAs publish it (.p7c). */
  licensedCaP7c: Uint8Array;
  /** A school signer whose AIA caIssuers is `aia`. */
  leaf(name: string, aia: string | undefined): OpensslCertificate;
}

function run(...args: string[]): void {
  execFileSync("openssl", args, { stdio: ["ignore", "pipe", "pipe"] });
}

let serial = 1000;

/**
 * The national root and the licensed CA in `dir`; leaves on demand.
 * @example
 * const pki = makeVietnamPki(tmp.dir);
 * const leaf = pki.leaf("principal", `${server.url}/vnpt-ca.cer`);
 */
export function makeVietnamPki(dir: string): VietnamPki {
  const certificate = (name: string): OpensslCertificate => {
    const certFile = join(dir, `${name}.pem`);
    const derFile = join(dir, `${name}.cer`);
    run("x509", "-in", certFile, "-outform", "DER", "-out", derFile);
    return {
      pem: readFileSync(certFile, "utf8"),
      der: new Uint8Array(readFileSync(derFile)),
      keyFile: join(dir, `${name}.key`),
      certFile,
    };
  };
  const config = (name: string, subject: string[], extensions: string[]): string => {
    const file = join(dir, `${name}.cnf`);
    writeFileSync(
      file,
      [
        "[req]",
        "prompt = no",
        "utf8 = yes",
        "string_mask = utf8only",
        "distinguished_name = dn",
        "[dn]",
        ...subject,
        "[ext]",
        ...extensions,
        "",
      ].join("\n"),
    );
    return file;
  };
  const issueBy = (name: string, issuer: string, cnf: string, days: string): void => {
    run("req", "-new", "-key", join(dir, `${name}.key`), "-config", cnf, "-out", join(dir, `${name}.csr`));
    run(
      "x509", "-req", "-in", join(dir, `${name}.csr`), "-CA", join(dir, `${issuer}.pem`),
      "-CAkey", join(dir, `${issuer}.key`), "-set_serial", String(serial++), "-days", days, "-sha256",
      "-extfile", cnf, "-extensions", "ext", "-out", join(dir, `${name}.pem`),
    ); // prettier-ignore
  };

  run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", join(dir, "root.key"));
  const rootCnf = config(
    "root",
    ["C = VN", "O = Bộ Thông tin và Truyền thông (test)", "CN = Root CA"],
    [
      "basicConstraints = critical, CA:TRUE",
      "keyUsage = critical, keyCertSign, cRLSign",
      "subjectKeyIdentifier = hash",
    ],
  );
  run(
    "req", "-x509", "-new", "-key", join(dir, "root.key"), "-config", rootCnf, "-extensions", "ext",
    "-days", "7300", "-sha256", "-out", join(dir, "root.pem"),
  ); // prettier-ignore

  run("genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", join(dir, "vnpt-ca.key"));
  issueBy(
    "vnpt-ca",
    "root",
    config(
      "vnpt-ca",
      ["C = VN", "O = VNPT Group (test)", "CN = VNPT Certification Authority"],
      [
        "basicConstraints = critical, CA:TRUE, pathlen:0",
        "keyUsage = critical, keyCertSign, cRLSign",
        "subjectKeyIdentifier = hash",
        "authorityKeyIdentifier = keyid:always",
      ],
    ),
    "3650",
  );
  const p7c = join(dir, "vnpt-ca.p7c");
  run("crl2pkcs7", "-nocrl", "-certfile", join(dir, "vnpt-ca.pem"), "-outform", "DER", "-out", p7c);

  return {
    dir,
    root: certificate("root"),
    licensedCa: certificate("vnpt-ca"),
    licensedCaP7c: new Uint8Array(readFileSync(p7c)),
    leaf(name, aia) {
      run(
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-out",
        join(dir, `${name}.key`),
      );
      issueBy(
        name,
        "vnpt-ca",
        config(
          name,
          ["C = VN", "O = Trường THCS Nguyễn Du", "title = Hiệu trưởng", `CN = Nguyễn Văn Hùng ${name}`],
          [
            "basicConstraints = critical, CA:FALSE",
            "keyUsage = critical, digitalSignature, nonRepudiation",
            "extendedKeyUsage = emailProtection, clientAuth",
            "subjectKeyIdentifier = hash",
            "authorityKeyIdentifier = keyid:always",
            ...(aia === undefined ? [] : [`authorityInfoAccess = caIssuers;URI:${aia}`]),
          ],
        ),
        "1825",
      );
      return certificate(name);
    },
  };
}

/** `openssl cms -sign` of `content` by `leaf` alone (no -certfile: the CMS carries only the leaf). */
export function signWithLeaf(dir: string, leaf: OpensslCertificate, content: Uint8Array): Uint8Array {
  const input = join(dir, `content-${serial}.bin`);
  const output = join(dir, `signature-${serial++}.der`);
  writeFileSync(input, content);
  run(
    "cms", "-sign", "-binary", "-md", "sha256", "-outform", "DER", "-signer", leaf.certFile,
    "-inkey", leaf.keyFile, "-in", input, "-out", output,
  ); // prettier-ignore
  return new Uint8Array(readFileSync(output));
}
