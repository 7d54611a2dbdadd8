// The K2 XML writer (fast-xml-parser's XMLBuilder with its own escaping): what the adapter writes reads back
// exactly as sent, whatever the values; the shapes are the ones the vendor document shows; names are checked.
import fc from 'fast-check';
import { buildXml, parseXml } from '../../../adapters/k2/xml';
import { criteriaXml, translateAction, updateTaskXml } from '../../../adapters/k2/translate';
import { GatewayError } from '../../../src/core/errors';

/** Characters that matter to XML: markup, quotes, `]]>`, CR, LF, TAB, and a few plain and non-ASCII ones. */
const hostile = fc.string({ unit: fc.constantFrom('a', 'Z', '0', ' ', '&', '<', '>', ']', "'", '"', '\r', '\n', '\t', 'é', ';', '#', '€', '😀'), maxLength: 16 });
const value = fc.oneof(hostile, fc.constantFrom(']]>', '<![CDATA[x]]>', '&amp;', '&#xD;', '\r\n', ' padded ', '"\'<>&'));

test('an UpdateTask reads back exactly as sent: serial number, action and data values, control characters included', () => {
  fc.assert(fc.property(value, value, fc.dictionary(fc.constantFrom('Amount', 'Note', 'Comment_1', 'x.y'), value, { maxKeys: 3 }), (serial, action, data) => {
    const doc = parseXml(updateTaskXml(serial, action, data), { trim: false, arrays: ['ProcessDataField'] });
    const root = doc.UpdateTask as Record<string, unknown>;
    const task = root.Task as Record<string, unknown>;
    expect(root['@Action']).toBe(action);
    expect(task['@SerialNumber']).toBe(serial);
    const fields = ((task.ProcessDataField ?? []) as Record<string, unknown>[]).map((f) => [f['@Name'], f['#text'] ?? '']);
    expect(Object.fromEntries(fields)).toEqual(data);
  }), { numRuns: 500 });
});

test('a Criteria filter reads back exactly as sent', () => {
  fc.assert(fc.property(value, (folio) => {
    const doc = parseXml(criteriaXml([{ field: 'ProcessFolio', comparison: 'Like', value: folio }]), { trim: false });
    const filter = (doc.Criteria as Record<string, Record<string, unknown>>).Filter;
    expect(filter['@Field']).toBe('ProcessFolio');
    expect(filter['#text'] ?? '').toBe(folio);
  }), { numRuns: 300 });
});

test('a control character XML cannot carry (C0 other than TAB, LF, CR) is refused before anything is written', () => {
  const opts = { backend: 'k2', actionNames: { approve: 'Approve', reject: 'Reject' }, securityLabel: 'K2' };
  const control = fc.integer({ min: 0, max: 0x1f }).filter((c) => c !== 0x09 && c !== 0x0a && c !== 0x0d).map((c) => String.fromCharCode(c));
  fc.assert(fc.property(hostile, control, hostile, (before, c, after) => {
    const bad = before + c + after;
    for (const cmd of [{ taskId: bad, data: {} }, { taskId: '2_24', data: { Note: bad } }, { taskId: '2_24', data: { [bad]: 'x' } }]) {
      let error: unknown;
      try {
        translateAction({ action: 'approve', ...cmd } as Parameters<typeof translateAction>[0], opts);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(GatewayError);
      expect((error as GatewayError).code).toBe('INVALID_REQUEST');
    }
  }), { numRuns: 200 });
});

test('markup characters and CR, LF, TAB are written as references, never raw', () => {
  const xml = updateTaskXml('2_24', 'a:Approve', { Note: 'x]]>y\r\n\t<&"\'' });
  expect(xml).toContain('>x]]&gt;y&#xD;&#xA;&#x9;&lt;&amp;&quot;&apos;</p:ProcessDataField>');
  expect(criteriaXml([{ field: 'Folio', comparison: 'Equal', value: '<x>&"' }])).toContain('>&lt;x&gt;&amp;&quot;</Filter>');
  expect(buildXml({ Task: { '@_SerialNumber': 'a\tb\nc' } })).toBe('<Task SerialNumber="a&#x9;b&#xA;c"/>');
});

test("the UpdateTask has the document's shape: declaration, t: and p: namespaces, Action, t:Task/@SerialNumber", () => {
  expect(updateTaskXml('2_24', 'a:Rework', { MyProcessDataField: 'Some process data value' })).toBe(
    '<?xml version="1.0" encoding="utf-8"?>' +
    '<t:UpdateTask xmlns:t="http://schemas.k2.com/task/d1" xmlns:p="http://schemas.k2.com/process/d1" Action="a:Rework">' +
    '<t:Task SerialNumber="2_24"><p:ProcessDataField Name="MyProcessDataField">Some process data value</p:ProcessDataField></t:Task>' +
    '</t:UpdateTask>',
  );
});

test('attribute values stay values ("true" is not shortened) and empty elements are self-closed', () => {
  expect(buildXml({ Action: { '@_Name': 'Approve', '@_Batchable': 'true' } })).toBe('<Action Name="Approve" Batchable="true"/>');
  expect(buildXml({ Failure: { Message: '' } })).toBe('<Failure><Message/></Failure>');
  expect(buildXml({ TaskCollection: { Task: [{ Status: 'Open' }, { Status: 'Sleep' }] } })).toBe(
    '<TaskCollection><Task><Status>Open</Status></Task><Task><Status>Sleep</Status></Task></TaskCollection>',
  );
});

test('a name that is not an XML name is refused, never written', () => {
  expect(() => buildXml({ 'a><b': 'x' })).toThrow(/not an XML name/);
  expect(() => buildXml({ a: { '@_x="1" y': 'v' } })).toThrow(/not an XML name/);
  expect(() => buildXml({ a: { 'b c': 'v' } })).toThrow(/not an XML name/);
});
