/**
 * A transcript written in hocba's XML form (docs/formats.md, transcript as XML) the way a school's
 * software would write it from its own data — by hand, not by hocba's reader: every JSON member an
 * element of the same name in urn:hocba:transcript:v1, a list its element repeated, null an empty
 * element, no `type` element (the namespace is the type), two spaces of indentation.
 */
const NAMESPACE = "urn:hocba:transcript:v1";

const escapeXml = (text: string): string =>
  text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function transcriptXml(document: object, options: { prefix?: string } = {}): string {
  const tag = (name: string) => (options.prefix ? `${options.prefix}:${name}` : name);
  const members = (value: object, indent: string): string =>
    Object.entries(value)
      .flatMap(([name, member]: [string, unknown]) =>
        indent === "  " && name === "type"
          ? []
          : (Array.isArray(member) ? (member as unknown[]) : [member]).map((item) =>
              element(name, item, indent),
            ),
      )
      .join("");
  const element = (name: string, value: unknown, indent: string): string => {
    if (value === null) return `${indent}<${tag(name)}/>\n`;
    if (typeof value === "object")
      return `${indent}<${tag(name)}>\n${members(value, `${indent}  `)}${indent}</${tag(name)}>\n`;
    return `${indent}<${tag(name)}>${escapeXml(typeof value === "string" ? value : JSON.stringify(value))}</${tag(name)}>\n`;
  };
  const xmlns = options.prefix ? `xmlns:${options.prefix}` : "xmlns";
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${tag("transcript")} ${xmlns}="${NAMESPACE}">\n${members(document, "  ")}</${tag("transcript")}>\n`;
}
