// `make studio` builds into the Python package, so `pip install` and `make run` need no Node.js.
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: '../etl_framework/studio/web/static',
    emptyOutDir: true,
    // Stable names: a rebuild of the same sources gives the same files, so the committed build diffs well.
    rollupOptions: { output: { entryFileNames: 'assets/studio.js', chunkFileNames: 'assets/[name].js', assetFileNames: 'assets/[name][extname]' } },
  },
});
