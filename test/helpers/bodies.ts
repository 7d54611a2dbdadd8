// Compares vendor bodies by meaning: JSON as values, XML as parsed trees (attribute order and whitespace ignored).
import { XMLParser } from 'fast-xml-parser';

const xml = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, parseAttributeValue: false, trimValues: true, processEntities: true });

export function xmlMeaning(text: string): unknown {
  return xml.parse(text);
}

/** The expected body of a fixture request in the form the actual text is compared in. */
export function bodyMeaning(text: string | undefined, kind: 'json' | 'xml' | 'text'): unknown {
  if (text === undefined) return undefined;
  if (kind === 'json') return JSON.parse(text);
  if (kind === 'xml') return xmlMeaning(text);
  return text;
}
