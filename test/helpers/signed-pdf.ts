/**
 * Signed PDFs made outside hocba's code, the way a school's software makes them: a PKI made by the
 * `openssl` command (root → principal, root → school seal), CMS signatures made by `openssl cms
 * -sign -cades` (ESS signing-certificate-v2), placed into the PDF by @signpdf (a placeholder added
 * as an incremental update by @signpdf/placeholder-plain, so a second signature keeps the first).
 */
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { plainAddPlaceholder } from "@signpdf/placeholder-plain";
import signpdf from "@signpdf/signpdf";
import { Signer, SUBFILTER_ETSI_CADES_DETACHED } from "@signpdf/utils";
import { PDFDocument, StandardFonts } from "pdf-lib";
import { tempDir } from "./files";

export interface OpensslIdentity {
  cert: string;
  key: string;
  /** SHA-256 of the certificate's DER, 0x-hex: what the issuer registry stores. */
  fingerprint: string;
  pem: string;
  /** A file of intermediate CA certificates to put into the CMS beside the signer's. */
  certfile?: string;
}

export interface OpensslPdfPki {
  dir: string;
  root: OpensslIdentity;
  principal: OpensslIdentity;
  seal: OpensslIdentity;
  /** A signer the school never registered. */
  stranger: OpensslIdentity;
  dispose(): void;
}

function openssl(...args: string[]): string {
  return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function identity(dir: string, name: string, subject: string, issuer?: OpensslIdentity): OpensslIdentity {
  const key = `${dir}/${name}.key`;
  const cert = `${dir}/${name}.crt`;
  openssl("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", key);
  if (issuer === undefined) {
    openssl(
      ...["req", "-x509", "-new", "-key", key, "-out", cert, "-days", "3650", "-utf8", "-subj", subject],
      ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
    );
  } else {
    const csr = `${dir}/${name}.csr`;
    const ext = `${dir}/${name}.ext`;
    writeFileSync(ext, "keyUsage=critical,digitalSignature,nonRepudiation\n");
    openssl("req", "-new", "-key", key, "-out", csr, "-utf8", "-subj", subject);
    openssl(
      ...["x509", "-req", "-in", csr, "-CA", issuer.cert, "-CAkey", issuer.key, "-CAcreateserial"],
      ...["-out", cert, "-days", "730", "-extfile", ext],
    );
  }
  const der = execFileSync("openssl", ["x509", "-in", cert, "-outform", "DER"]);
  const fingerprint =
    "0x" + execFileSync("openssl", ["dgst", "-sha256", "-r"], { input: der }).toString().slice(0, 64);
  return { cert, key, fingerprint, pem: readFileSync(cert, "utf8") };
}

/** A PKI made by OpenSSL: a root, a principal, the school's seal and a stranger, all P-256. */
export function makeOpensslPdfPki(): OpensslPdfPki {
  const tmp = tempDir("pdf-pki");
  const root = identity(tmp.dir, "root", "/C=VN/O=Root CA thử nghiệm/CN=Root CA thử nghiệm");
  return {
    dir: tmp.dir,
    root,
    principal: identity(
      tmp.dir,
      "principal",
      "/C=VN/O=Trường THPT Lê Lợi/title=Hiệu trưởng/CN=Phạm Văn Đức",
      root,
    ),
    seal: identity(tmp.dir, "seal", "/C=VN/O=Trường THPT Lê Lợi/CN=Trường THPT Lê Lợi", root),
    stranger: identity(tmp.dir, "stranger", "/C=VN/O=Người lạ/CN=Người lạ", root),
    dispose: () => tmp.dispose(),
  };
}

/** @signpdf's signer interface over `openssl cms -sign -cades`. */
class OpensslSigner extends Signer {
  constructor(
    private readonly who: OpensslIdentity,
    private readonly dir: string,
  ) {
    super();
  }

  override sign(content: Buffer): Promise<Buffer> {
    const input = `${this.dir}/content.bin`;
    writeFileSync(input, content);
    const cms = execFileSync("openssl", [
      ...["cms", "-sign", "-binary", "-cades", "-nosmimecap", "-md", "sha256", "-outform", "DER"],
      ...["-signer", this.who.cert, "-inkey", this.who.key, "-in", input],
      ...(this.who.certfile === undefined ? [] : ["-certfile", this.who.certfile]),
    ]);
    return Promise.resolve(cms);
  }
}

/** A one-page PDF (classic xref, no object streams), optionally with a file attached. */
export async function unsignedPdf(attachment?: {
  name: string;
  bytes: Uint8Array;
  mimeType: string;
}): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText("HOC BA - Truong THPT Le Loi", {
    x: 50,
    y: 780,
    size: 14,
    font: await doc.embedFont(StandardFonts.Helvetica),
  });
  if (attachment) await doc.attach(attachment.bytes, attachment.name, { mimeType: attachment.mimeType });
  return doc.save({ useObjectStreams: false });
}

/** Signs `pdf` once more (an incremental update), by `who`, with an OpenSSL-made CMS. */
export async function signPdf(
  pdf: Uint8Array,
  who: OpensslIdentity,
  dir: string,
  name: string,
): Promise<Uint8Array> {
  const placeholder = plainAddPlaceholder({
    pdfBuffer: Buffer.from(pdf),
    reason: "Ký học bạ",
    contactInfo: "",
    name,
    location: "Việt Nam",
    subFilter: SUBFILTER_ETSI_CADES_DETACHED,
    signatureLength: 8192,
  });
  return new Uint8Array(await signpdf.sign(placeholder, new OpensslSigner(who, dir)));
}

/**
 * Appends an incremental update to `pdf` that defines `objects` (their bodies, numbered from the
 * trailer's /Size), with its own xref section and trailer, as a PDF editor saving a change does.
 */
export function appendUpdate(pdf: Uint8Array, objects: string[]): Uint8Array {
  const text = Buffer.from(pdf).toString("latin1");
  const trailers = [...text.matchAll(/trailer\s*<<([\s\S]*?)>>\s*startxref\s*(\d+)/g)];
  const last = trailers.at(-1)!;
  const size = Number(/\/Size\s+(\d+)/.exec(last[1]!)![1]);
  const root = /\/Root\s+(\d+\s+\d+\s+R)/.exec(last[1]!)![1];
  let body = "\n";
  const offsets: number[] = [];
  objects.forEach((object, i) => {
    offsets.push(pdf.length + Buffer.byteLength(body, "latin1"));
    body += `${size + i} 0 obj\n${object}\nendobj\n`;
  });
  const xrefAt = pdf.length + Buffer.byteLength(body, "latin1");
  body += `xref\n${size} ${objects.length}\n${offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("")}`;
  body += `trailer\n<< /Size ${size + objects.length} /Root ${root} /Prev ${last[2]} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  return new Uint8Array(Buffer.concat([Buffer.from(pdf), Buffer.from(body, "latin1")]));
}

/**
 * An identity whose certificate and key are given (PEM), written to `dir` for `openssl cms`: a
 * leaf of another PKI (test/helpers/ocsp.ts) with its intermediate put into the CMS.
 */
export function opensslIdentityOf(
  dir: string,
  name: string,
  leaf: { pem: string; keyPem: string; der: Uint8Array },
  intermediatePem: string,
): OpensslIdentity {
  const cert = `${dir}/${name}.crt`;
  const key = `${dir}/${name}.key`;
  const certfile = `${dir}/${name}-chain.pem`;
  writeFileSync(cert, leaf.pem);
  writeFileSync(key, leaf.keyPem);
  writeFileSync(certfile, intermediatePem);
  const fingerprint =
    "0x" + execFileSync("openssl", ["dgst", "-sha256", "-r"], { input: leaf.der }).toString().slice(0, 64);
  return { cert, key, fingerprint, pem: leaf.pem, certfile };
}

/** Validation data for a Document Security Store: DER OCSP responses, CRLs and certificates. */
export interface DssData {
  ocsp?: readonly Uint8Array[];
  crl?: readonly Uint8Array[];
  certs?: readonly Uint8Array[];
  /** Put the entries under /VRI, keyed by the SHA-1 of the last signature's /Contents, instead of the DSS's own arrays. */
  vriOnly?: boolean;
  /** Entries slipped into the rewritten catalog beside /DSS (what a validation-data update must not do). */
  catalogExtra?: string;
}

/** The `<< … >>` dictionary that starts at `at` in `text` (nested dictionaries counted). */
function dictionaryAt(text: string, at: number): string {
  let depth = 0;
  for (let i = at; i < text.length - 1; i++) {
    if (text.startsWith("<<", i)) {
      depth++;
      i++;
    } else if (text.startsWith(">>", i)) {
      depth--;
      i++;
      if (depth === 0) return text.slice(at, i + 1);
    }
  }
  throw new Error("unterminated dictionary");
}

/**
 * Appends a Document Security Store as a PAdES B-LT validator writes one: an incremental update
 * defining one stream per OCSP response, CRL and certificate, the /DSS dictionary (or its /VRI
 * entry for the last signature), and the catalog again — as it was, plus /DSS — with its own xref
 * section and trailer. No signature changes.
 */
export function appendDss(pdf: Uint8Array, data: DssData): Uint8Array {
  const text = Buffer.from(pdf).toString("latin1");
  const trailers = [...text.matchAll(/trailer\s*<<([\s\S]*?)>>\s*startxref\s*(\d+)/g)];
  const last = trailers.at(-1)!;
  const size = Number(/\/Size\s+(\d+)/.exec(last[1]!)![1]);
  const [, rootNumber, rootGeneration] = /\/Root\s+(\d+)\s+(\d+)\s+R/.exec(last[1]!)!;
  const definitions = [
    ...text.matchAll(new RegExp(`(?<![0-9])${rootNumber}\\s+${rootGeneration}\\s+obj\\s*`, "g")),
  ];
  const definition = definitions.at(-1)!;
  const catalog = dictionaryAt(text, definition.index + definition[0].length);

  const parts: Buffer[] = [Buffer.from("\n", "latin1")];
  let length = pdf.length + 1;
  const offsets = new Map<number, number>();
  const write = (number: number, generation: number, body: Buffer): void => {
    offsets.set(number, length);
    const chunk = Buffer.concat([
      Buffer.from(`${number} ${generation} obj\n`, "latin1"),
      body,
      Buffer.from("\nendobj\n", "latin1"),
    ]);
    parts.push(chunk);
    length += chunk.length;
  };
  let next = size;
  const streams = (items: readonly Uint8Array[] = []): string =>
    items
      .map((item) => {
        const number = next++;
        write(
          number,
          0,
          Buffer.concat([
            Buffer.from(`<< /Length ${item.length} >>\nstream\n`, "latin1"),
            Buffer.from(item),
            Buffer.from("\nendstream", "latin1"),
          ]),
        );
        return `${number} 0 R`;
      })
      .join(" ");
  const ocsp = streams(data.ocsp);
  const crl = streams(data.crl);
  const certs = streams(data.certs);
  let dss: string;
  if (data.vriOnly) {
    const contents = [...text.matchAll(/\/Contents\s*<([0-9A-Fa-f]+)>/g)].at(-1)![1]!;
    const key = createHash("sha1").update(Buffer.from(contents, "hex")).digest("hex").toUpperCase();
    dss = `<< /Type /DSS /VRI << /${key} << /Type /VRI /OCSP [${ocsp}] /CRL [${crl}] /Cert [${certs}] >> >> >>`;
  } else {
    dss = `<< /Type /DSS /OCSPs [${ocsp}] /CRLs [${crl}] /Certs [${certs}] >>`;
  }
  const dssNumber = next++;
  write(dssNumber, 0, Buffer.from(dss, "latin1"));
  write(
    Number(rootNumber),
    Number(rootGeneration),
    Buffer.from(`${catalog.slice(0, -2)} /DSS ${dssNumber} 0 R${data.catalogExtra ?? ""} >>`, "latin1"),
  );
  const entry = (number: number, generation: number) =>
    `${String(offsets.get(number)).padStart(10, "0")} ${String(generation).padStart(5, "0")} n \n`;
  const xrefAt = length;
  const fresh = [...Array(next - size).keys()].map((i) => entry(size + i, 0)).join("");
  const xref =
    `xref\n${rootNumber} 1\n${entry(Number(rootNumber), Number(rootGeneration))}${size} ${next - size}\n${fresh}` +
    `trailer\n<< /Size ${next} /Root ${rootNumber} ${rootGeneration} R /Prev ${last[2]} >>\nstartxref\n${xrefAt}\n%%EOF\n`;
  parts.push(Buffer.from(xref, "latin1"));
  return new Uint8Array(Buffer.concat([Buffer.from(pdf), ...parts]));
}
