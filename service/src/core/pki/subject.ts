/**
 * The people and organisations behind a certificate subject, as readers want them: the common
 * name (CN), the title (T / 2.5.4.12) and the organisation (O) — "Nguyễn Văn Hùng, Hiệu trưởng,
 * Trường THCS Nguyễn Du" rather than the X.500 string. A school's seal (organisation) certificate
 * names the school in CN and O alike.
 */

export interface SignerName {
  /** The common name, e.g. "Nguyễn Văn Hùng"; the whole subject when it has no CN. */
  name: string;
  /** The title, e.g. "Hiệu trưởng"; undefined when the certificate names none. */
  title?: string;
}

/**
 * Reads the attributes of a subject as certificate.ts writes it ("CN=…, title=…, O=…", with `,`
 * `+` `\` escaped by a backslash).
 */
function attributes(subject: string): Map<string, string> {
  const found = new Map<string, string>();
  for (const part of subject.split(/(?<!\\),\s*/)) {
    const at = part.indexOf("=");
    if (at <= 0) continue;
    const key = part.slice(0, at).trim().toLowerCase();
    if (!found.has(key)) found.set(key, part.slice(at + 1).replace(/\\([,+\\])/g, "$1"));
  }
  return found;
}

/**
 * The name and title in a certificate subject.
 * @example
 * signerName("CN=Nguyễn Văn Hùng, title=Hiệu trưởng, O=Trường THCS Nguyễn Du, C=VN");
 * // { name: "Nguyễn Văn Hùng", title: "Hiệu trưởng" }
 */
export function signerName(subject: string): SignerName {
  const found = attributes(subject);
  const title = found.get("title") ?? found.get("t");
  return { name: found.get("cn") ?? subject, ...(title ? { title } : {}) };
}

/**
 * The organisation (O) of a certificate subject, e.g. "Trường THCS Nguyễn Du"; undefined when it names none.
 * @example
 * organisationOf("CN=Nguyễn Văn Hùng, O=Trường THCS Nguyễn Du, C=VN"); // "Trường THCS Nguyễn Du"
 */
export function organisationOf(subject: string): string | undefined {
  return attributes(subject).get("o") || undefined;
}
