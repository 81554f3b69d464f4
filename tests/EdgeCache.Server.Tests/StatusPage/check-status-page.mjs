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
      // Tables wider than the card that holds them (their last columns would be cut off or spill out).
      overflowingTables: [...document.querySelectorAll('section.card table')].map((table) => {
        const card = table.closest('section.card');
        const style = getComputedStyle(card);
        const inner = card.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
        return { id: table.id, tableRight: Math.round(table.getBoundingClientRect().right), boxRight: Math.round(inner), scroll: table.scrollWidth, client: table.clientWidth };
      }).filter((t) => t.tableRight > t.boxRight + 0.5 || t.scroll > t.client + 0.5),
    };
  });

  const seen = await read();
  await page.screenshot({ path: options.screenshot, fullPage: true });

  // The store table with the widest figures a busy node shows (a third, Redis, row of ten-digit counts
  // and four-digit GiB sizes): does it still fit its card? The row is removed again at once.
  const worstCaseStore = await page.evaluate(() => {
    const table = document.getElementById('tiers');
    const row = table.tBodies[0].insertRow();
    for (const text of ['redis', '123,456,789', '1,023.9 GiB', '1,023.9 GiB', '100.0%', '9,876,543,210', '9,876,543,210', '123,456,789']) {
      const cell = row.insertCell();
      cell.textContent = text;
      cell.className = 'num';
    }
    const card = table.closest('section.card');
    const style = getComputedStyle(card);
    const boxRight = card.getBoundingClientRect().right - parseFloat(style.paddingRight) - parseFloat(style.borderRightWidth);
    const result = { tableRight: table.getBoundingClientRect().right, boxRight, fits: table.getBoundingClientRect().right <= boxRight + 0.5 };
    row.remove();
    return result;
  });

  let purge = null;
  if (options.purge) {
    await page.selectOption('#purge-kind', 'files');
    await page.fill('#purge-values', options.purge);
    await page.click('#purge-submit');
    await page.waitForFunction(() => /^(Purged|Refused|The purge failed)/.test(document.getElementById('purge-result').textContent));
    purge = { result: (await page.textContent('#purge-result')).trim() };
    await page.screenshot({ path: options.screenshot.replace(/\.png$/, '') + '-purged.png', fullPage: true });
  }

  process.stdout.write(JSON.stringify({ beforeToken, seen, worstCaseStore, purge, foreignRequests, problems }) + '\n');
} catch (error) {
  console.error(error && error.stack ? error.stack : String(error));
  process.exitCode = 1;
} finally {
  clearTimeout(watchdog);
  if (context) await context.close().catch(() => {});
  rmSync(userDataDir, { recursive: true, force: true });
}
