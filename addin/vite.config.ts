/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { SERVICE_WORKER_ENTRY, SERVICE_WORKER_FILE, precacheServiceWorker } from './src/offline/precachePlugin.ts';

// The Rust proxy serves `dist/` on http://localhost:3000; in `npm run dev` the
// same API paths are forwarded there so the pane talks to a real proxy.
const proxyTarget = 'http://127.0.0.1:3000';

export default defineConfig({
  base: '/',
  plugins: [react(), precacheServiceWorker(['icons/icon-32.png'])],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    rolldownOptions: {
      // The pane, the page shown inside the Office sign-in dialog, and the
      // service worker for offline use.
      input: { main: 'index.html', 'auth-dialog': 'auth-dialog.html', [SERVICE_WORKER_ENTRY]: 'src/offline/serviceWorker.ts' },
      output: {
        // The service worker must live at the root (its scope is where it lives) under a fixed name.
        entryFileNames: (chunk) => (chunk.name === SERVICE_WORKER_ENTRY ? SERVICE_WORKER_FILE : 'assets/[name]-[hash].js'),
        // React and Fluent change far less often than the pane's own code;
        // separate chunks stay cached in the webview across our releases.
        codeSplitting: {
          groups: [
            // Sign-in is loaded only when a Supabase project is configured.
            { name: 'supabase', test: /node_modules[\\/]@supabase[\\/]/, priority: 30 },
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 20 },
            { name: 'vendor', test: /node_modules[\\/]/, priority: 10 },
          ],
        },
      },
    },
  },
  worker: {
    // The engine worker imports the wasm-bindgen glue as an ES module.
    format: 'es',
  },
  server: {
    proxy: {
      '/api': proxyTarget,
      '/health': proxyTarget,
    },
  },
  test: {
    environment: 'jsdom',
    setupFiles: ['./src/test/setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    restoreMocks: true,
    unstubGlobals: true,
    // A user-event walk through a Fluent dialog takes ~0.5 s alone but
    // several seconds on a loaded 2-core CI machine; 5 s timed out there.
    // This bounds a hang, it does not relax any assertion.
    testTimeout: 30_000,
  },
});
