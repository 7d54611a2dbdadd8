// `npm run docs`: rewrites the generated parts of docs/ (configuration.md whole, api.md's matrix block).
import fs from 'node:fs';
import path from 'node:path';
import { renderConfigDoc } from './render-config';
import { MATRIX_END, MATRIX_START, renderMatrix } from './render-matrix';

// npm runs scripts from the project root; the compiled copy of this file lives under dist/.
const root = path.resolve('docs');

fs.writeFileSync(path.join(root, 'configuration.md'), renderConfigDoc());

const apiFile = path.join(root, 'api.md');
const api = fs.readFileSync(apiFile, 'utf8');
const start = api.indexOf(MATRIX_START);
const end = api.indexOf(MATRIX_END);
if (start < 0 || end < start) throw new Error(`${apiFile}: the ${MATRIX_START} ... ${MATRIX_END} markers are missing`);
fs.writeFileSync(apiFile, `${api.slice(0, start + MATRIX_START.length)}\n${renderMatrix()}\n${api.slice(end)}`);
process.stdout.write('docs/configuration.md and the matrix in docs/api.md are up to date\n');
