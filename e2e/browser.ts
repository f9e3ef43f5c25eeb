/**
 * Headless Chromium with WebGPU (SwiftShader on machines without a GPU), driven by playwright-core.
 * Each launch gets a fresh profile folder, so IndexedDB and OPFS start empty unless a test reuses it.
 */
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.MWB_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = join(import.meta.dirname, 'artifacts');

const ARGS = [
  '--enable-unsafe-webgpu',
  '--no-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

export function newProfileDir(): string {
  return mkdtempSync(join(tmpdir(), 'mwb-e2e-'));
}

export async function launchBrowser(profileDir = newProfileDir()): Promise<BrowserContext> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}. Browser tests need Debian's chromium package ` +
        '(`sudo bash scripts/install-system-deps.sh`) or MWB_CHROMIUM pointing at a Chromium 113+ binary.',
    );
  }
  return chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: 1280, height: 900 },
  });
}

/** Collects console errors and uncaught page errors so a test can show them when it fails. */
export function watchConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') messages.push(`console.error: ${m.text()}`);
  });
  page.on('pageerror', (e) => messages.push(`page error: ${e.message}`));
  return messages;
}

export function screenshotPath(name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}
