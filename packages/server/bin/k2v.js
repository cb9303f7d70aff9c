#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built from src/ by `npm ci` through `prepare`).
import { existsSync } from 'node:fs';

const main = new URL('../dist/src/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('k2v: dist/ is missing; run `npm ci` (or `npm run build`) first');
  process.exit(1);
}
await import(main.href);
