/**
 * hocba's XML form of a transcript (docs/formats.md, "Transcript as XML"; docs/decisions.md), browser-safe.
 *
 * No official XML schema of the học bạ số is published that hocba could read, so hocba defines its
 * own XML form of `hocba.transcript/v1`, as plain a mirror of the JSON as XML allows, and maps it
 * to the JSON model so that the one set of rules (`validateDocument`) judges both:
 *
 *  - the root element is `transcript` in the namespace `urn:hocba:transcript:v1` (default or
 *    prefixed); the namespace is the JSON `type`, so there is no `type` element;
 *  - every JSON member is a child element of the same name in that namespace, in any order;
 *  - a list member is its element repeated, in order (`<years>…</years><years>…</years>`);
 *  - a value is the element's text, exactly (no trimming: the rules report untrimmed text as for
 *    JSON); numbers (`grade`, `daysAbsent`, scores) are decimal text (`8`, `8.5`); an empty
 *    `supersedes` (or none) is JSON null; an absent optional member (`completion`) is absent;
 *  - nothing else: attributes other than namespace declarations, elements of other namespaces,
 *    and text beside child elements are problems, as unknown members are in JSON. Comments and
 *    processing instructions are ignored; a DOCTYPE is refused (no DTDs, no entity expansion).
 *
 * A problem's path is the JSON pointer of the member, which names the XML element the same way
 * (`/years/0/subjects/2/year`: the first `years` element's third `subjects` element's `year`).
 * XML of another vocabulary (another root or namespace) is not this one and is left alone.
 */
import { XMLParser, XMLValidator } from "fast-xml-parser";
import { HocbaError } from "../errors";
import type { Problem } from "./problems";
import { TRANSCRIPT_TYPE, TranscriptSchema } from "./schema";

/** The namespace of hocba's XML form of `hocba.transcript/v1`. */
export const TRANSCRIPT_XML_NAMESPACE = "urn:hocba:transcript:v1";
/** Its root element's local name. */
export const TRANSCRIPT_XML_ROOT = "transcript";

export type TranscriptXml =
  /** hocba's vocabulary: the JSON model it maps to (unvalidated) and what could not be mapped. */
  | { vocabulary: "hocba"; document: Record<string, unknown>; problems: Problem[] }
  /** Another vocabulary (root element and namespace as found): not a hocba transcript. */
  | { vocabulary: "other"; root: string; namespace: string | null };

/** The JSON Schema keywords the mapping reads (TypeBox schemas are JSON Schema). */
interface SchemaNode {
  type?: string;
  const?: unknown;
  anyOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

/** One element as fast-xml-parser's ordered form gives it: `{ [name]: children, ":@"?: attributes }`. */
type XmlNode = Record<string, unknown>;

const ATTRIBUTES = ":@";
const TEXT = "#text";
const ATTRIBUTE_PREFIX = "@_";

/** The parser, made on first use (pages that never read XML do not pay for it). */
let parser: XMLParser | undefined;
function xmlParser(): XMLParser {
  parser ??= new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: ATTRIBUTE_PREFIX,
    parseTagValue: false,
    parseAttributeValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
    htmlEntities: false,
  });
  return parser;
}

/** XML Schema's decimal lexical form (no exponent, no NaN), after whitespace collapsing. */
const DECIMAL = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$/;

/**
 * The text of an XML file: UTF-8 (a BOM allowed), or UTF-16 with its BOM.
 * @throws HocbaError XML_MALFORMED for bytes that are not text in those encodings, or a declared
 *   encoding hocba does not read.
 */
export function xmlText(bytes: Uint8Array, name: string): string {
  const utf16 =
    bytes[0] === 0xff && bytes[1] === 0xfe
      ? "utf-16le"
      : bytes[0] === 0xfe && bytes[1] === 0xff
        ? "utf-16be"
        : undefined;
  let text: string;
  try {
    text = new TextDecoder(utf16 ?? "utf-8", { fatal: true }).decode(bytes);
  } catch (cause) {
    throw new HocbaError("XML_MALFORMED", `${name} is not UTF-8 (or UTF-16 with a byte order mark) text`, {
      cause,
    });
  }
  const declared = /^\s*<\?xml[^>]*\bencoding\s*=\s*["']([A-Za-z0-9._-]+)["']/.exec(text)?.[1];
  if (declared !== undefined && !/^utf-?(8|16)$/i.test(declared))
    throw new HocbaError(
      "XML_MALFORMED",
      `${name} declares the encoding ${declared}; hocba reads XML in UTF-8 or UTF-16`,
    );
  return text;
}

function nameOf(node: XmlNode): string | undefined {
  return Object.keys(node).find((key) => key !== ATTRIBUTES);
}

function childrenOf(node: XmlNode, name: string): XmlNode[] {
  const children = node[name];
  return Array.isArray(children) ? (children as XmlNode[]) : [];
}

function attributesOf(node: XmlNode): Record<string, string> {
  const attributes = node[ATTRIBUTES];
  return typeof attributes === "object" && attributes !== null ? (attributes as Record<string, string>) : {};
}

/** The namespace declarations an element adds to its scope: prefix ("" for the default) → URI. */
function scopeOf(node: XmlNode, outer: ReadonlyMap<string, string>): Map<string, string> {
  const scope = new Map(outer);
  for (const [key, value] of Object.entries(attributesOf(node))) {
    const attribute = key.slice(ATTRIBUTE_PREFIX.length);
    if (attribute === "xmlns") scope.set("", value);
    else if (attribute.startsWith("xmlns:")) scope.set(attribute.slice(6), value);
  }
  return scope;
}

/** An element's local name and namespace URI (null when it has none). */
function qualified(
  name: string,
  scope: ReadonlyMap<string, string>,
): { local: string; namespace: string | null } {
  const colon = name.indexOf(":");
  const prefix = colon < 0 ? "" : name.slice(0, colon);
  const namespace = scope.get(prefix);
  return { local: colon < 0 ? name : name.slice(colon + 1), namespace: namespace ? namespace : null };
}

/** The JSON pointer token of a member name (RFC 6901). */
const token = (name: string): string => name.replace(/~/g, "~0").replace(/\//g, "~1");

class Mapper {
  readonly problems: Problem[] = [];

  private problem(path: string, code: Problem["code"], message: string): void {
    this.problems.push({ path, code, message });
  }

  /** The attributes of an element that are not namespace declarations are not part of the form. */
  private attributes(node: XmlNode, path: string): void {
    for (const key of Object.keys(attributesOf(node))) {
      const attribute = key.slice(ATTRIBUTE_PREFIX.length);
      if (attribute !== "xmlns" && !attribute.startsWith("xmlns:"))
        this.problem(path, "UNKNOWN_FIELD", `attribute ${attribute} is not part of hocba's XML form`);
    }
  }

  /** Text and child elements of an element, text nodes joined. */
  private content(node: XmlNode): { text: string; elements: XmlNode[] } {
    const name = nameOf(node)!;
    let text = "";
    const elements: XmlNode[] = [];
    for (const child of childrenOf(node, name)) {
      if (TEXT in child) text += String(child[TEXT]);
      else if (nameOf(child) !== undefined) elements.push(child);
    }
    return { text, elements };
  }

  /** The value of an element as `schema` expects it. */
  value(node: XmlNode, schema: SchemaNode, path: string, scope: ReadonlyMap<string, string>): unknown {
    const inner = scopeOf(node, scope);
    this.attributes(node, path);
    const { text, elements } = this.content(node);
    if (schema.type === "object" && schema.properties !== undefined)
      return this.object(elements, text, schema.properties, path, inner);
    if (elements.length > 0) {
      this.problem(path, "WRONG_TYPE", "expected text, found child elements");
      return {};
    }
    return scalar(text, schema);
  }

  /** A closed object from child elements: each member by name, lists repeated. */
  object(
    elements: readonly XmlNode[],
    text: string,
    properties: Record<string, SchemaNode>,
    path: string,
    scope: ReadonlyMap<string, string>,
  ): Record<string, unknown> {
    if (text.trim() !== "")
      this.problem(path, "WRONG_TYPE", "expected child elements, found text beside them");
    const groups = new Map<string, XmlNode[]>();
    for (const element of elements) {
      const { local, namespace } = qualified(nameOf(element)!, scopeOf(element, scope));
      if (namespace !== TRANSCRIPT_XML_NAMESPACE) {
        this.problem(
          `${path}/${token(local)}`,
          "UNKNOWN_FIELD",
          `element ${local} of namespace ${namespace ?? "(none)"} is not part of hocba's XML form`,
        );
        continue;
      }
      groups.set(local, [...(groups.get(local) ?? []), element]);
    }
    const result: Record<string, unknown> = {};
    for (const [name, group] of groups) {
      const at = `${path}/${token(name)}`;
      const schema = properties[name];
      if (schema === undefined) {
        this.problem(
          at,
          "UNKNOWN_FIELD",
          name === "type" && path === ""
            ? "there is no type element: the namespace states the type"
            : `element ${name} is not part of hocba's XML form`,
        );
        continue;
      }
      if (schema.type === "array" && schema.items !== undefined) {
        const items = schema.items;
        result[name] = group.map((element, i) => this.value(element, items, `${at}/${i}`, scope));
        continue;
      }
      if (group.length > 1)
        this.problem(at, "WRONG_TYPE", `element ${name} appears ${group.length} times; it is not a list`);
      result[name] = this.value(group[0]!, schema, at, scope);
    }
    // An absent (or empty) nullable member is null: `supersedes` need not be written.
    for (const [name, schema] of Object.entries(properties)) {
      if (!(name in result) && accepts(schema, "null")) result[name] = null;
    }
    return result;
  }
}

/** Whether `schema` (or one of its alternatives) is of JSON type `type`. */
function accepts(schema: SchemaNode, type: string): boolean {
  if (schema.type === type) return true;
  return (schema.anyOf ?? []).some((alternative) => accepts(alternative, type));
}

/** Text as the JSON value the schema expects: a number for numeric text where numbers are expected. */
function scalar(text: string, schema: SchemaNode): unknown {
  if (text === "" && accepts(schema, "null")) return null;
  if ((accepts(schema, "number") || accepts(schema, "integer")) && DECIMAL.test(text.trim()))
    return Number(text.trim());
  return text;
}

/**
 * Reads an XML attachment: a hocba transcript mapped to the JSON model (unvalidated: the caller
 * runs validateDocument), or another vocabulary.
 * @throws HocbaError XML_MALFORMED when the text is not well-formed XML (line and column named),
 *   has a DOCTYPE, or has more than one root element.
 * @example
 * const read = readTranscriptXml(xmlText(bytes, "hoc-ba.xml"), "hoc-ba.xml");
 * if (read.vocabulary === "hocba") validateDocument(read.document);
 */
export function readTranscriptXml(text: string, name: string): TranscriptXml {
  if (/<!DOCTYPE/i.test(text))
    throw new HocbaError("XML_MALFORMED", `${name} has a DOCTYPE: hocba reads XML without DTDs`);
  const checked = XMLValidator.validate(text);
  if (checked !== true) {
    const { msg, line, col } = checked.err;
    throw new HocbaError(
      "XML_MALFORMED",
      `${name} is not well-formed XML: ${msg} (line ${line}, column ${col})`,
      {
        details: { line, column: col },
      },
    );
  }
  let nodes: XmlNode[];
  try {
    nodes = (xmlParser().parse(text) as XmlNode[]).filter(
      (node) => nameOf(node) !== undefined && !(TEXT in node),
    );
  } catch (cause) {
    throw new HocbaError("XML_MALFORMED", `${name} cannot be read as XML`, { cause });
  }
  if (nodes.length !== 1)
    throw new HocbaError(
      "XML_MALFORMED",
      `${name} is not well-formed XML: it has ${nodes.length} root elements`,
    );
  const root = nodes[0]!;
  const scope = scopeOf(root, new Map());
  const { local, namespace } = qualified(nameOf(root)!, scope);
  if (namespace !== TRANSCRIPT_XML_NAMESPACE) return { vocabulary: "other", root: local, namespace };
  if (local !== TRANSCRIPT_XML_ROOT)
    return {
      vocabulary: "hocba",
      document: {},
      problems: [
        {
          path: "",
          code: "DOCUMENT_TYPE_INVALID",
          message: `the root element of ${TRANSCRIPT_XML_NAMESPACE} is ${TRANSCRIPT_XML_ROOT}, not ${local}`,
        },
      ],
    };
  const mapper = new Mapper();
  // The namespace is the type: the root maps to the transcript's members but `type`.
  const body = mapper.value(root, { type: "object", properties: transcriptMembers() }, "", new Map());
  return {
    vocabulary: "hocba",
    document: { type: TRANSCRIPT_TYPE, ...(body as Record<string, unknown>) },
    problems: mapper.problems,
  };
}

/** The transcript's members as XML elements: all but `type`, which the namespace states. */
function transcriptMembers(): Record<string, SchemaNode> {
  const { properties } = TranscriptSchema as unknown as SchemaNode;
  return Object.fromEntries(Object.entries(properties!).filter(([name]) => name !== "type"));
}
