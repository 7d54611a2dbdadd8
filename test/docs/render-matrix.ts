// Renders the README's action x vendor matrix from the adapters' manifests (used by readme.test.ts;
// refresh the README with `npx tsc -p tsconfig.json --outDir /tmp/tg && NODE_PATH=$PWD/node_modules node /tmp/tg/test/docs/render-matrix.js`).
import { ADAPTERS } from '../../adapters';
import { ACTION_NAMES } from '../../src/core/actions';

export function renderMatrix(): string {
  const vendors = Object.keys(ADAPTERS);
  const cell = (text: string) => text.replace(/\|/g, '\\|');
  return [
    `| action | ${vendors.join(' | ')} |`,
    `|---|${vendors.map(() => '---').join('|')}|`,
    ...ACTION_NAMES.map((action) => {
      const cells = vendors.map((v) => {
        const support = ADAPTERS[v].actions[action];
        return support ? `\`${cell(support.vendorAction)}\`` : '-';
      });
      return `| \`${action}\` | ${cells.join(' | ')} |`;
    }),
  ].join('\n');
}

if (require.main === module) process.stdout.write(`${renderMatrix()}\n`);
