// Builds the dashboard to ui/dist with relative asset paths, so Koa can serve it from any
// folder; `vite` in ui/ proxies the API of a local node for development.
import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

const target = process.env.TIMECLOUD_URL ?? 'http://127.0.0.1:19031';

export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [vue()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // One small app: a single chunk loads faster than a waterfall of lazy pages.
    chunkSizeWarningLimit: 400,
    // The timing report is noise on a loaded CI machine; a slow build shows in its total time.
    rolldownOptions: { checks: { bundlerTimings: false } },
  },
  server: {
    proxy: {
      '/api': target,
      '/login': target,
      '/ws': { target, ws: true },
    },
  },
});
