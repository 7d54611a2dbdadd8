// XML out, for the K2 adapter and the emulators: fast-xml-parser's XMLBuilder, which escapes every value itself.
import { XMLBuilder } from 'fast-xml-parser';

// XMLBuilder's own escaping, with its default table extended by CR, LF and TAB: an XML parser normalises a
// literal CR, LF or TAB inside an attribute to a space (and CR LF in text to LF), so a value would not arrive
// exactly as sent. As character references they survive. `&` comes first so no reference is escaped twice.
const ENTITIES = [
  { regex: /&/g, val: '&amp;' },
  { regex: />/g, val: '&gt;' },
  { regex: /</g, val: '&lt;' },
  { regex: /'/g, val: '&apos;' },
  { regex: /"/g, val: '&quot;' },
  { regex: /\r/g, val: '&#xD;' },
  { regex: /\n/g, val: '&#xA;' },
  { regex: /\t/g, val: '&#x9;' },
];

/** XML names as the builder's callers write them: letters, digits, `_ - . :`. */
const XML_NAME = /^[A-Za-z_][\w.:-]*$/;

/**
 * fast-xml-parser's object form (`@_` attributes, `#text` text, arrays for repeated elements, `?xml` for the
 * declaration) to XML: no formatting, empty elements self-closed, `"true"` kept as an attribute value (not
 * shortened to a bare name). Every value is escaped by the builder and every name checked: callers never
 * concatenate user values into markup. (`entities` is the builder's escaping table; its typings leave it out.)
 */
const builder = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  format: false,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
  entities: ENTITIES,
  sanitizeName: (name: string) => {
    if (!XML_NAME.test(name)) throw new Error(`not an XML name: ${JSON.stringify(name.slice(0, 64))}`);
    return name;
  },
} as ConstructorParameters<typeof XMLBuilder>[0]);

export function buildXml(doc: Record<string, unknown>): string {
  return builder.build(doc) as string;
}
