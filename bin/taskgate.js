#!/usr/bin/env node
// Entry point of the `taskgate` command: checks the Node version and the build, then runs the compiled CLI.
// Plain JavaScript any Node parses, so that a Node too old for node:sqlite gets one sentence instead of a crash.
// No V8 flags are set here: `npm start` passes them, and NODE_OPTIONS can (see `taskgate --help`).
'use strict';
var fs = require('fs');
var path = require('path');

var root = path.join(__dirname, '..');

function fail(message) {
  process.stderr.write('taskgate: ' + message + '\n');
  process.exit(2);
}

// package.json's engines.node (">=22.13": node:sqlite without a flag) is the one statement of the version needed.
var needed = require(path.join(root, 'package.json')).engines.node;
var min = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(needed);
var have = process.versions.node.split('.').map(Number);
if (min) {
  var want = [Number(min[1]), Number(min[2] || 0), Number(min[3] || 0)];
  var older = have[0] !== want[0] ? have[0] < want[0] : have[1] !== want[1] ? have[1] < want[1] : have[2] < want[2];
  if (older) {
    fail('needs Node.js ' + needed + ' (for node:sqlite), this is ' + process.version + ' (' + process.execPath + '); ' +
      'in a checkout, `npx taskgate` or `node_modules/.bin/node bin/taskgate.js` runs the project\'s own Node');
  }
}

if (!fs.existsSync(path.join(root, 'dist', 'src', 'cli.js'))) {
  fail('not built: run `npm run build` in ' + root + ' first');
}
require('../dist/src/cli.js').main(process.argv.slice(2));
