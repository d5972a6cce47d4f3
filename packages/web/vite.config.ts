import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/** Built into mcpd's package, which serves it at /ui: no second server, nothing fetched from elsewhere. */
export default defineConfig({
  base: '/ui/',
  root: fileURLToPath(new URL('.', import.meta.url)),
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: fileURLToPath(new URL('../mcpd/ui', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
  },
});
