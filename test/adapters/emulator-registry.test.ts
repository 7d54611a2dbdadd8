// The gateway loads no emulator: nothing reachable by import from the server or the adapter registry is an
// emulator module; the CLI and the tests reach the emulators through adapters/emulators.ts, one per adapter.
import fs from 'node:fs';
import path from 'node:path';
import { ADAPTERS } from '../../adapters';
import { EMULATORS } from '../../adapters/emulators';

const ROOT = path.join(__dirname, '../..');

/** Every project module reachable by (value or type) import from `entry`, as paths relative to the root. */
function reachable(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    const rel = path.relative(ROOT, file);
    if (seen.has(rel)) return;
    seen.add(rel);
    const text = fs.readFileSync(file, 'utf8');
    for (const [, spec] of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/g)) {
      const base = path.resolve(path.dirname(file), spec);
      const found = [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
      if (found) visit(found);
    }
  };
  visit(path.join(ROOT, entry));
  return seen;
}

test.each(['src/server.ts', 'adapters/index.ts'])('nothing %s imports is an emulator module', (entry) => {
  const modules = [...reachable(entry)];
  expect(modules).toContain('adapters/k2/xml.ts');
  expect(modules.filter((m) => /emulator/.test(m))).toEqual([]);
});

test('one emulator per adapter, under the same vendor name', () => {
  expect(Object.keys(EMULATORS).sort()).toEqual(Object.keys(ADAPTERS).sort());
  for (const [vendor, create] of Object.entries(EMULATORS)) expect(create().vendor).toBe(vendor);
});
