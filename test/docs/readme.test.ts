// The README cannot drift: its action x vendor matrix comes from the adapters' manifests, its error
// table from the error catalogue.
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE } from '../../src/core/errors';
import { renderMatrix } from './render-matrix';

const readme = fs.readFileSync(path.join(__dirname, '../../README.md'), 'utf8');

test('the README matrix matches the adapters manifests', () => {
  const start = readme.indexOf('<!-- matrix:start -->');
  const end = readme.indexOf('<!-- matrix:end -->');
  expect(start).toBeGreaterThan(-1);
  const shown = readme.slice(start + '<!-- matrix:start -->'.length, end).trim();
  // On failure, paste the output of test/docs/render-matrix.ts between the markers.
  expect(shown).toBe(renderMatrix());
});

test('the README error table lists every code with its status', () => {
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    expect(readme).toMatch(new RegExp(`\\| ${status} \\| \`${code}\` \\|`));
  }
  const listed = [...readme.matchAll(/\| \d{3} \| `([A-Z_]+)` \|/g)].map((m) => m[1]);
  expect(listed.filter((code) => !(code in ERROR_CATALOGUE))).toEqual([]);
});
