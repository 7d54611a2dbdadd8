// The docs cannot drift: configuration.md and api.md's matrix are generated from the code, api.md's error
// table must list the catalogue, the README stays a front door, and every relative link leads somewhere.
import fs from 'node:fs';
import path from 'node:path';
import { ERROR_CATALOGUE } from '../../src/core/errors';
import { renderConfigDoc } from './render-config';
import { MATRIX_END, MATRIX_START, renderMatrix } from './render-matrix';

const ROOT = path.join(__dirname, '../..');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');
const HINT = 'run `npm run docs` and commit the result';

/** Undefined when equal; else where the text first departs from what the generator gives. */
function firstDifference(file: string, shown: string, generated: string): string | undefined {
  if (shown === generated) return undefined;
  const a = shown.split('\n');
  const b = generated.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line < 0 ? a.length : line;
  return `${file} differs from the generator at line ${at + 1} (${HINT}):\n  file:      ${JSON.stringify(a[at])}\n  generator: ${JSON.stringify(b[at])}`;
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchors(markdown: string): Set<string> {
  const out = new Set<string>();
  for (const [, heading] of markdown.replace(/```[\s\S]*?```/g, '').matchAll(/^#{1,6} (.+)$/gm)) {
    out.add(heading.trim().toLowerCase().replace(/[^\p{L}\p{N} _-]/gu, '').replace(/ /g, '-'));
  }
  return out;
}

function markdownFiles(): string[] {
  const docs = fs.readdirSync(path.join(ROOT, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.md'))
    .map((f) => path.join('docs', f));
  const vendors = fs.readdirSync(path.join(ROOT, 'adapters'), { withFileTypes: true })
    .filter((d) => d.isDirectory() && fs.existsSync(path.join(ROOT, 'adapters', d.name, 'README.md')))
    .map((d) => path.join('adapters', d.name, 'README.md'));
  return ['README.md', 'CHANGELOG.md', ...docs, ...vendors];
}

test('docs/configuration.md is what the generator makes of the config schema', () => {
  expect(firstDifference('docs/configuration.md', read('docs/configuration.md'), renderConfigDoc())).toBeUndefined();
});

test('docs/api.md matrix matches the adapters manifests', () => {
  const api = read('docs/api.md');
  const start = api.indexOf(MATRIX_START);
  const end = api.indexOf(MATRIX_END);
  expect(start).toBeGreaterThan(-1);
  expect(end).toBeGreaterThan(start);
  const shown = api.slice(start + MATRIX_START.length, end).trim();
  expect(firstDifference('docs/api.md (matrix)', shown, renderMatrix())).toBeUndefined();
});

test('docs/api.md error table lists every code with its status, and no other', () => {
  const api = read('docs/api.md');
  for (const [code, { status }] of Object.entries(ERROR_CATALOGUE)) {
    expect(api).toMatch(new RegExp(`\\| ${status} \\| \`${code}\` \\|`));
  }
  const listed = [...api.matchAll(/\| \d{3} \| `([A-Z_]+)` \|/g)].map((m) => m[1]);
  expect(listed.filter((code) => !(code in ERROR_CATALOGUE))).toEqual([]);
});

test('the README is a front door: under 10 KB', () => {
  expect(Buffer.byteLength(read('README.md'))).toBeLessThan(10240);
});

test('every relative link in the docs leads to a file, and to a heading of it where one is named', () => {
  const broken: string[] = [];
  for (const file of markdownFiles()) {
    const text = read(file).replace(/```[\s\S]*?```/g, '');
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (/^[a-z]+:/i.test(target)) continue;
      const [to, anchor] = target.split('#');
      const resolved = to ? path.join(path.dirname(file), to) : file;
      if (!fs.existsSync(path.join(ROOT, resolved))) broken.push(`${file}: ${target} (no such file)`);
      else if (anchor && resolved.endsWith('.md') && !anchors(read(resolved)).has(anchor)) broken.push(`${file}: ${target} (no such heading)`);
    }
  }
  expect(broken).toEqual([]);
});
