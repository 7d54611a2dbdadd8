// Safe XML for K2: the writer (src/xml.ts, fast-xml-parser's XMLBuilder, every value escaped), and one parser that refuses DTDs and bounds size and depth.
// Used by the adapter (requests out, answers in) and by the emulator (requests in, answers out).
import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** Largest K2 answer the adapter reads (also the transport's maxResponseBytes for K2 backends). */
export const MAX_XML_BYTES = 2 * 1024 * 1024;
/** Deepest element nesting accepted; a TaskCollection is 3-4 levels deep. */
export const MAX_XML_DEPTH = 64;

/** Why XML was refused: hostile or oversized (never read), or simply not XML (`malformed`). */
export type XmlRefusal = 'size' | 'declarations' | 'malformed' | 'depth' | 'parse';

/** The text is not XML the gateway is willing to read: hostile, oversized or malformed. */
export class UnsafeXmlError extends Error {
  override readonly name = 'UnsafeXmlError';
  constructor(message: string, readonly reason: XmlRefusal) {
    super(message);
  }
}

export { buildXml } from '../../src/xml';

/** Characters XML 1.0 cannot carry at all, not even as references (C0 controls, unpaired surrogates, U+FFFE/F). */
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isXmlText(value: string): boolean {
  return !NOT_XML.test(value);
}

export interface ParseXmlOptions {
  /** Element names always read as arrays (local names, or prefixed names when prefixes are kept). */
  arrays?: readonly string[];
  /** Keep `t:`/`p:` prefixes and xmlns attributes (the emulator checks namespaces); default drops them. */
  keepPrefixes?: boolean;
  /** Trim text values (default true); the emulator keeps data values exactly. */
  trim?: boolean;
}

const parsers = new Map<string, XMLParser>();

function parserFor(opts: ParseXmlOptions): XMLParser {
  const arrays = [...(opts.arrays ?? [])];
  const key = JSON.stringify([arrays, !!opts.keepPrefixes, opts.trim !== false]);
  let parser = parsers.get(key);
  if (!parser) {
    parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@',
      textNodeName: '#text',
      removeNSPrefix: !opts.keepPrefixes,
      parseTagValue: false,
      parseAttributeValue: false,
      trimValues: opts.trim !== false,
      ignoreDeclaration: true,
      ignorePiTags: true,
      // Only the five XML built-ins and numeric references are decoded (htmlEntities as an empty map turns
      // numeric references on without adding any named entity); DTD entities never get here (refused below).
      processEntities: { enabled: true, maxEntityCount: 0, maxTotalExpansions: 100_000, maxExpandedLength: MAX_XML_BYTES },
      htmlEntities: {} as unknown as boolean,
      maxNestedTags: MAX_XML_DEPTH,
      isArray: (name: string) => arrays.includes(name),
    });
    parsers.set(key, parser);
  }
  return parser;
}

/**
 * Parses XML a peer sent, refusing before any parsing what a K2 server never sends: more than MAX_XML_BYTES,
 * a DOCTYPE or ENTITY declaration (entity bombs, external entities). Malformed XML and nesting deeper than
 * MAX_XML_DEPTH are refused too. Both the validator and the parser are iterative: no recursion to blow the stack.
 */
export function parseXml(text: string, opts: ParseXmlOptions = {}): Record<string, unknown> {
  if (text.length > MAX_XML_BYTES || Buffer.byteLength(text, 'utf8') > MAX_XML_BYTES) {
    throw new UnsafeXmlError(`the XML is larger than ${MAX_XML_BYTES} bytes`, 'size');
  }
  if (/<!\s*(DOCTYPE|ENTITY)/i.test(text)) throw new UnsafeXmlError('the XML declares a DOCTYPE or entities', 'declarations');
  const valid = XMLValidator.validate(text);
  // Only the validator's code and position: its message may quote the peer's text.
  if (valid !== true) throw new UnsafeXmlError(`the XML is not well-formed (${valid.err.code} at line ${valid.err.line})`, 'malformed');
  try {
    const doc: unknown = parserFor(opts).parse(text);
    if (!doc || typeof doc !== 'object') throw new UnsafeXmlError('the XML has no root element', 'malformed');
    return doc as Record<string, unknown>;
  } catch (error) {
    if (error instanceof UnsafeXmlError) throw error;
    const depth = error instanceof Error && /nested tags/i.test(error.message);
    const message = depth ? `nesting deeper than ${MAX_XML_DEPTH} levels` : 'a parse error';
    throw new UnsafeXmlError(`the XML was refused: ${message}`, depth ? 'depth' : 'parse');
  }
}

/** Text of a parsed element: `<a>x</a>` is 'x', `<a b="1">x</a>` is { '#text': 'x' }, `<a/>` is ''. */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (value && typeof value === 'object' && !Array.isArray(value)) return textOf((value as Record<string, unknown>)['#text'] ?? '');
  return '';
}

/** A parsed element as an object (attributes under '@'), or undefined when it is text or missing. */
export function elementOf(value: unknown): Record<string, unknown> | undefined {
  if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  // `<a/>` or an element holding only whitespace: an element with nothing in it.
  if (typeof value === 'string' && value.trim() === '') return {};
  return undefined;
}

/** An element that may repeat, always as a list. */
export function listOf(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}
