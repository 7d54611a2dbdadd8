#!/usr/bin/env -S node --max-semi-space-size=4
// Entry point of the `taskgate` command: runs the compiled CLI (npm run build first).
// The shebang's node flags (docs/performance.md: a smaller V8 young generation keeps RSS down under load)
// are the launch flags: `npm start` and the benchmark use the same ones (src/launch.ts reads them from here).
require('../dist/src/cli.js').main(process.argv.slice(2));
