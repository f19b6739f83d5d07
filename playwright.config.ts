import { defineConfig } from '@playwright/test';

// Debian's Chromium (no Playwright browser download here). The flags keep it off the network and
// give it a real (SwiftShader) WebGPU adapter, so the WebGPU code path is exercised too.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

const PORT = Number(process.env.QUARRY_E2E_PORT ?? 4173);
// Separate build folders let several checkouts/agents run e2e at once without clobbering one another.
const OUT_DIR = process.env.QUARRY_OUT_DIR ?? 'dist';

export default defineConfig({
  testDir: 'e2e',
  outputDir: 'test-results',
  timeout: 120_000,
  expect: { timeout: 20_000 },
  // Two cores: one browser at a time keeps timings and the page's own workers honest.
  workers: 1,
  fullyParallel: false,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    acceptDownloads: true,
    viewport: { width: 1440, height: 900 },
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    },
  },
  // The production build, served by `vite preview` (same COOP/COEP headers and model routes as dev).
  webServer: {
    command: `npx vite build --outDir ${OUT_DIR} --emptyOutDir && npx vite preview --outDir ${OUT_DIR} --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}`,
    reuseExistingServer: !process.env.CI,
    timeout: 300_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
});
