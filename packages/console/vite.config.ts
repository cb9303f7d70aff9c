// The console's build: Vite (Rolldown + Oxc), Preact's automatic JSX runtime, no plugins.
// Assets under /console/assets/ with content hashes; no inline script or style (the server's
// Content-Security-Policy allows neither), no module-preload polyfill (it would be inline code).
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/console/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
  },
});
