// Renders docs/api.md's action x vendor matrix from the adapters' manifests (checked by docs.test.ts,
// written by `npm run docs`).
import { ADAPTERS } from '../../adapters';
import { ACTION_NAMES } from '../../src/core/actions';

export const MATRIX_START = '<!-- matrix:start -->';
export const MATRIX_END = '<!-- matrix:end -->';

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
