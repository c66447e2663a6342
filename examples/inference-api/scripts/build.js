// Build: syntax-check every source file and copy it to dist/ (a stand-in for a real compile step).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { execFileSync } = require('node:child_process');
const root = path.join(__dirname, '..');
fs.mkdirSync(path.join(root, 'dist'), { recursive: true });
for (const f of fs.readdirSync(path.join(root, 'src'))) {
  execFileSync(process.execPath, ['--check', path.join(root, 'src', f)]);
  fs.copyFileSync(path.join(root, 'src', f), path.join(root, 'dist', f));
  console.log(`built dist/${f}`);
}
