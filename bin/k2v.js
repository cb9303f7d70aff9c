#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm ci` through the prepare script).
import('../dist/src/cli/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND') {
    console.error('k2v: dist/ is missing; run `npm ci` (or `npm run build`) first');
    process.exit(1);
  }
  throw err;
});
