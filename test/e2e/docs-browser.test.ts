import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSimulator, type Simulator } from '../../src/sim/index.js';
import { ROOT } from './harness.js';
import { type Served, spawnServe } from './http-harness.js';

/** Debian's chromium (`.ci/run` installs it when missing); CHROMIUM_PATH points elsewhere. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p));
const TOKEN = 'docs-browser-token-0123456789';
const ARTIFACTS = path.join(ROOT, 'test-artifacts');

let sim: Simulator;
let srv: Served;
let browser: Browser;

beforeAll(async () => {
  if (!CHROMIUM) throw new Error('no chromium found: install Debian\'s chromium (apt-get install chromium) or set CHROMIUM_PATH');
  sim = await startSimulator({ port: 0, seed: 'demo' });
  srv = await spawnServe(['--auth-token', TOKEN], { NOMAD_ADDR: sim.url });
  // --no-sandbox: CI runs as root, where chromium's sandbox cannot start
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await srv?.stop();
  await sim?.close();
});

describe('/docs in a real browser', () => {
  it('asks for the token, lists the tools, and runs list_jobs against Nomad from the page', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
    const elsewhere: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(srv.url) && !r.url().startsWith('data:')) elsewhere.push(r.url());
    });
    await page.goto(`${srv.url}/docs`);
    // the document needs the API token: the page asks for it first
    await page.locator('#nm-token').fill(TOKEN);
    await page.locator('#nm-login button').click();
    const op = page.locator('#operations-jobs-list_jobs');
    await op.waitFor({ timeout: 60_000 });
    expect(await page.locator('.opblock-tag-section').count()).toBeGreaterThan(5);
    expect(await page.locator('.opblock').count()).toBeGreaterThan(30);

    await op.locator('.opblock-summary').click();
    const body = op.locator('textarea.body-param__text');
    await body.waitFor();
    await body.fill('{}');
    await op.locator('button.execute').click();
    const result = op.locator('.live-responses-table .response-col_description .microlight').first();
    await result.waitFor({ timeout: 60_000 });
    const text = await result.textContent();
    expect(text).toContain('"isError": false');
    expect(text).toContain('web');
    expect(await op.locator('.live-responses-table tr.response .response-col_status').first().textContent()).toContain('200');

    mkdirSync(ARTIFACTS, { recursive: true });
    await op.locator('.live-responses-table').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(ARTIFACTS, 'docs-list_jobs.png'), fullPage: false });
    expect(elsewhere).toEqual([]);
    await page.close();
  }, 180_000);

  it('refuses a wrong token on the page in words', async () => {
    const page = await browser.newPage();
    await page.goto(`${srv.url}/docs`);
    await page.locator('#nm-token').fill('wrong-token');
    await page.locator('#nm-login button').click();
    await expect.poll(() => page.locator('#nm-login-error').textContent(), { timeout: 30_000 }).toContain('refused this token');
    expect(await page.locator('.opblock').count()).toBe(0);
    await page.close();
  }, 60_000);
});
