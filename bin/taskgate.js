#!/usr/bin/env node
// Entry point of the `taskgate` command: runs the compiled CLI (npm run build first).
require('../dist/src/cli.js').main(process.argv.slice(2));
