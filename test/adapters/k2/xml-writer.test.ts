// The K2 XML writer (buildXml) against fast-xml-parser's XMLBuilder, which it replaced: the same text for the
// documents the adapter and the emulator build, and for any values; every value escaped, names checked.
import fc from 'fast-check';
import { XMLBuilder } from 'fast-xml-parser';
import { buildXml, escapeXml, parseXml } from '../../../adapters/k2/xml';
import { criteriaXml, updateTaskXml } from '../../../adapters/k2/translate';

/** XMLBuilder as the adapter configured it before: the oracle. */
const oracle = new XMLBuilder({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  textNodeName: '#text',
  format: false,
  suppressEmptyNode: true,
  suppressBooleanAttributes: false,
  processEntities: true,
  entities: [
    { regex: /&/g, val: '&amp;' },
    { regex: />/g, val: '&gt;' },
    { regex: /</g, val: '&lt;' },
    { regex: /'/g, val: '&apos;' },
    { regex: /"/g, val: '&quot;' },
    { regex: /\r/g, val: '&#xD;' },
    { regex: /\n/g, val: '&#xA;' },
    { regex: /\t/g, val: '&#x9;' },
  ],
} as ConstructorParameters<typeof XMLBuilder>[0]);

const text = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '&', '<', '>', "'", '"', '\r', '\n', '\t', 'é', ';', '#', '€'), maxLength: 12 });

test('an UpdateTask with data fields is the text XMLBuilder wrote, for any values', () => {
  fc.assert(fc.property(text, text, fc.dictionary(fc.constantFrom('Amount', 'Note', 'a b', 'x'), text, { maxKeys: 3 }), (serial, action, data) => {
    const doc = {
      '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
      't:UpdateTask': {
        '@_xmlns:t': 'http://schemas.k2.com/task/d1', '@_Action': action,
        't:Task': { '@_SerialNumber': serial, 'p:ProcessDataField': Object.entries(data).map(([name, value]) => ({ '@_Name': name, '#text': value })) },
      },
    };
    expect(buildXml(doc)).toBe(oracle.build(doc));
  }), { numRuns: 500 });
});

test('nested elements, repeated elements, text-only and empty elements are written as XMLBuilder wrote them', () => {
  fc.assert(fc.property(fc.array(fc.record({ name: text, batchable: fc.boolean(), folio: text, status: text })), (tasks) => {
    const doc = {
      '?xml': { '@_version': '1.0', '@_encoding': 'utf-8' },
      TaskCollection: {
        '@_xmlns': 'http://schemas.k2.com/task/d1',
        Task: tasks.map((t) => ({ '@_SerialNumber': t.name, ProcessFolio: t.folio, Status: t.status, Action: [{ '@_Name': t.name, '@_Batchable': String(t.batchable) }] })),
      },
    };
    expect(buildXml(doc)).toBe(oracle.build(doc));
  }), { numRuns: 300 });
  expect(buildXml({ Failure: { Message: '' } })).toBe('<Failure><Message/></Failure>');
});

test('what the adapter builds reads back exactly as given, CR, LF and TAB included', () => {
  fc.assert(fc.property(text, text, (serial, value) => {
    const doc = parseXml(updateTaskXml(serial, 'a:Approve', { Note: value }), { trim: false });
    const task = (doc.UpdateTask as Record<string, Record<string, unknown>>).Task;
    expect(task['@SerialNumber']).toBe(serial);
    expect((task.ProcessDataField as Record<string, unknown>)['#text'] ?? '').toBe(value);
  }), { numRuns: 300 });
  expect(criteriaXml([{ field: 'Folio', comparison: 'Equal', value: '<x>&"' }])).toContain('>&lt;x&gt;&amp;&quot;</Filter>');
});

test('a name that is not an XML name is refused, never written', () => {
  expect(() => buildXml({ 'a><b': 'x' })).toThrow(/not an XML name/);
  expect(() => buildXml({ a: { '@_x="1" y': 'v' } })).toThrow(/not an XML name/);
  expect(escapeXml('plain')).toBe('plain');
});
