#!/usr/bin/env node
// Runs before `npm run demo` and `npm test`: installs the npm dependencies when they are missing or older than
// package-lock.json, so the README's commands work straight after `git clone`. Plain JS: nothing is installed yet.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const installed = join(root, 'node_modules', '.package-lock.json');

function upToDate() {
  if (!existsSync(installed)) return false;
  const want = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
  const have = JSON.parse(readFileSync(installed, 'utf8')).packages ?? {};
  return Object.entries(want).every(
    ([path, meta]) => path === '' || meta.optional || have[path]?.version === meta.version,
  );
}

const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19)) {
  console.error(`nhi-enforce needs Node 20.19 or later (this is ${process.versions.node})`);
  process.exit(1);
}
if (!upToDate()) {
  console.error('bootstrap: installing npm dependencies (npm install, pinned by package-lock.json)…');
  execFileSync('npm', ['install', '--no-audit', '--no-fund'], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}
