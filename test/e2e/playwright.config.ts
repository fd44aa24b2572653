import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests in Debian's Chromium against `perpscope serve --sim` (started once by
 * globalSetup on a free port; specs read its URL and token from PERPSCOPE_E2E_* env vars, see
 * globalSetup.ts). Screenshots are written by the specs to `test/e2e/screenshots/`.
 */
export default defineConfig({
  testDir: '.',
  testMatch: '*.spec.ts',
  globalSetup: './globalSetup.ts',
  outputDir: './test-results',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  // Deadlines for a hang, not waits: on a loaded machine a first page load alone can take a minute.
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    headless: true,
    viewport: { width: 1280, height: 720 },
    colorScheme: 'dark',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
});
