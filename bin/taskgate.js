#!/usr/bin/env -S node --max-semi-space-size=4 --heap-growing-percent=10
// Entry point of the `taskgate` command: runs the compiled CLI (npm run build first).
// The shebang's node flags (docs/performance.md: a smaller V8 young generation, and an old generation that grows
// in smaller steps, keep RSS down under load) are the launch flags: `npm start` and the benchmark use the same
// ones (src/launch.ts reads them from here). Started as `node bin/taskgate.js`, node does not read the shebang:
// the flags V8 takes at runtime are applied here then.
require('../dist/src/launch.js').applyRuntimeFlags();
require('../dist/src/cli.js').main(process.argv.slice(2));
