// Opens the EdgeCache status page in Debian's headless Chromium (driven by playwright-core),
// reads what a person would see and prints it as one JSON line; optionally submits the purge form.
//
//   node check-status-page.mjs --url http://127.0.0.1:PORT [--token T] --screenshot out.png [--purge URL]
//
// Exit code 0 with the JSON on stdout; anything else is a failure explained on stderr.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const { values: options } = parseArgs({
  options: {
    url: { type: 'string' },
    token: { type: 'string', default: '' },
    screenshot: { type: 'string' },
    purge: { type: 'string', default: '' },
    chromium: { type: 'string', default: '/usr/bin/chromium' },
    'timeout-ms': { type: 'string', default: '60000' },
  },
});
if (!options.url || !options.screenshot) {
  console.error('usage: node check-status-page.mjs --url ADMIN_URL [--token T] --screenshot FILE [--purge URL]');
  process.exit(64);
}

const timeoutMs = Number(options['timeout-ms']);
const watchdog = setTimeout(() => { console.error(`gave up after ${timeoutMs} ms`); process.exit(3); }, timeoutMs);
const base = new URL(options.url);
const userDataDir = mkdtempSync(join(tmpdir(), 'edgecache-chromium-'));
let context;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: options.chromium,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 900 },
    timeout: 30000,
  });
  const page = context.pages()[0] ?? await context.newPage();
  page.setDefaultTimeout(20000);

  // Everything the page loads or calls must come from the admin listener itself.
  const foreignRequests = [];
  const problems = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.origin !== base.origin && url.protocol !== 'data:') foreignRequests.push(request.url());
  });
  page.on('console', (message) => { if (message.type() === 'error') problems.push(message.text()); });
  page.on('pageerror', (error) => problems.push(String(error)));

  await page.goto(new URL('/status', base).href);

  // With a token configured, the page first asks for it and shows no figures.
  let beforeToken = null;
  if (options.token) {
    await page.waitForSelector('#token-panel:not([hidden])');
    beforeToken = {
      tokenPanelVisible: await page.isVisible('#token-panel'),
      dashboardVisible: await page.isVisible('#dashboard'),
      text: await page.evaluate(() => document.body.innerText),
    };
    await page.fill('#token-input', options.token);
    await page.click('#token-form button[type=submit]');
  }

  await page.waitForSelector('body[data-state=ready]');
  await page.waitForSelector('#hit-chart svg');

  const read = () => page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent.trim();
    const rows = (id) => [...document.getElementById(id).tBodies[0].rows].map((row) => [...row.cells].map((c) => c.textContent.trim()));
    return {
      hitRatio: text('hit-ratio'),
      hitDetail: text('hit-detail'),
      requests: text('requests-total'),
      entries: text('store-entries'),
      storeBytes: text('store-bytes'),
      waitUntil: text('wait-until'),
      originP50: text('origin-p50'),
      originRoundTrips: text('origin-round-trips'),
      originErrors: text('origin-errors'),
      originLastError: text('origin-last-error'),
      topKeys: rows('top-keys').map(([url, count]) => ({ url, count })),
      tiers: rows('tiers').map(([name, entries, size]) => ({ name, entries, size })),
      statuses: rows('statuses').map(([status, count, share]) => ({ status, count, share })),
      chartPoints: Number(document.querySelector('#hit-chart svg').getAttribute('data-points')),
      chartDots: document.querySelectorAll('#hit-chart circle').length,
      serverMeta: text('server-meta'),
    };
  });

  const seen = await read();
  await page.screenshot({ path: options.screenshot, fullPage: true });

  let purge = null;
  if (options.purge) {
    await page.selectOption('#purge-kind', 'files');
    await page.fill('#purge-values', options.purge);
    await page.click('#purge-submit');
    await page.waitForFunction(() => /^(Purged|Refused|The purge failed)/.test(document.getElementById('purge-result').textContent));
    purge = { result: (await page.textContent('#purge-result')).trim() };
    await page.screenshot({ path: options.screenshot.replace(/\.png$/, '') + '-purged.png', fullPage: true });
  }

  process.stdout.write(JSON.stringify({ beforeToken, seen, purge, foreignRequests, problems }) + '\n');
} catch (error) {
  console.error(error && error.stack ? error.stack : String(error));
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
