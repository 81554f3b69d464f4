// EdgeCache status page: polls status.json, draws the hit ratio chart and the tables, posts purges.
// Everything that comes from the server is written with textContent (request URLs are chosen by
// clients and must never become markup).
'use strict';
(() => {
  const TOKEN_KEY = 'edgecache.adminToken';
  const POLL_MS = 2000;
  const SVG = 'http://www.w3.org/2000/svg';
  const $ = (id) => document.getElementById(id);

  let token = sessionStorage.getItem(TOKEN_KEY) || localStorage.getItem(TOKEN_KEY) || '';
  let timer = null;
  let paused = false;
  let locked = false;

  const number = new Intl.NumberFormat('en-US');

  function percent(part, whole) {
    return whole > 0 ? (100 * part / whole).toFixed(1) + '%' : '–';
  }

  function bytes(value) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let unit = 0;
    while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++; }
    return (unit === 0 ? value : value.toFixed(1)) + ' ' + units[unit];
  }

  function millis(value) {
    if (value === null || value === undefined) return '–';
    return value < 10 ? value.toFixed(2) + ' ms' : value.toFixed(0) + ' ms';
  }

  function duration(seconds) {
    seconds = Math.max(0, Math.round(seconds));
    if (seconds < 60) return seconds + ' s';
    if (seconds < 3600) return Math.floor(seconds / 60) + ' min ' + (seconds % 60) + ' s';
    const hours = Math.floor(seconds / 3600);
    return hours < 48 ? hours + ' h ' + Math.floor((seconds % 3600) / 60) + ' min' : Math.floor(hours / 24) + ' days';
  }

  function text(id, value) { $(id).textContent = value; }

  function cell(row, value, className) {
    const td = document.createElement('td');
    td.textContent = value;
    if (className) td.className = className;
    row.appendChild(td);
    return td;
  }

  function fillTable(id, items, fill) {
    const body = $(id).tBodies[0];
    const rows = items.map((item) => { const tr = document.createElement('tr'); fill(tr, item); return tr; });
    body.replaceChildren(...rows);
  }

  function authHeaders(extra) {
    const headers = Object.assign({}, extra || {});
    if (token) headers.Authorization = 'Bearer ' + token;
    return headers;
  }

  function setState(state, message) {
    document.body.dataset.state = state;
    if (message !== undefined) text('poll-state', message);
  }

  function schedule() {
    clearTimeout(timer);
    if (!paused && !locked) timer = setTimeout(poll, POLL_MS);
  }

  async function poll() {
    try {
      const response = await fetch('status.json', { headers: authHeaders(), cache: 'no-store' });
      if (response.status === 401) {
        lock(token ? 'That token was refused.' : '');
        return;
      }
      if (!response.ok) throw new Error('HTTP ' + response.status);
      render(await response.json());
      setState('ready', 'Updated ' + new Date().toLocaleTimeString('en-GB'));
    } catch (error) {
      setState('error', 'Cannot read status.json: ' + error.message);
    } finally {
      schedule();
    }
  }

  // Without an accepted token nothing from the server stays on the page.
  function lock(message) {
    locked = true;
    $('dashboard').hidden = true;
    for (const id of ['tiers', 'statuses', 'top-keys']) $(id).tBodies[0].replaceChildren();
    $('hit-chart').replaceChildren();
    text('server-meta', '');
    $('token-panel').hidden = false;
    $('forget-token').hidden = true;
    text('token-error', message);
    setState('locked', 'Token required');
    $('token-input').focus();
  }

  function unlock() {
    locked = false;
    $('token-panel').hidden = true;
    $('dashboard').hidden = false;
    $('forget-token').hidden = !token;
  }

  function render(report) {
    unlock();
    const uptime = (Date.parse(report.generated_at) - Date.parse(report.started_at)) / 1000;
    text('server-meta', 'v' + report.version + ' · origin ' + report.origin + ' · up ' + duration(uptime));

    text('hit-ratio', percent(report.cached, report.requests));
    text('hit-detail', number.format(report.cached) + ' of ' + number.format(report.requests) + ' requests from the cache');
    text('requests-total', number.format(report.requests));
    const recent = report.history.slice(-12).reduce((sum, point) => sum + point.requests, 0);
    text('requests-detail', number.format(recent) + ' in the last minute');
    text('store-entries', number.format(report.store.entries));
    text('store-bytes', bytes(report.store.bytes) + ' of ' + bytes(report.store.capacity_bytes));
    text('origin-p50', millis(report.origin_health.latency_p50_ms));
    text('origin-avg', 'average ' + millis(report.origin_health.latency_avg_ms) + ' over the last ' + number.format(report.origin_health.latency_samples) + ' round trips');
    text('wait-until', number.format(report.wait_until_pending));

    drawChart(report);

    fillTable('tiers', report.tiers, (tr, tier) => {
      cell(tr, tier.name);
      cell(tr, number.format(tier.entries), 'num');
      cell(tr, bytes(tier.bytes), 'num');
      cell(tr, bytes(tier.capacity_bytes), 'num');
      cell(tr, percent(tier.bytes, tier.capacity_bytes), 'num');
      cell(tr, number.format(tier.hits), 'num');
      cell(tr, number.format(tier.misses), 'num');
      cell(tr, number.format(tier.evictions), 'num');
    });

    fillTable('statuses', report.by_status.filter((s) => s.count > 0), (tr, status) => {
      cell(tr, status.status);
      cell(tr, number.format(status.count), 'num');
      cell(tr, percent(status.count, report.requests), 'num');
    });

    const top = report.top_keys;
    fillTable('top-keys', top.keys, (tr, key) => {
      cell(tr, key.url, 'url');
      cell(tr, (key.overcount > 0 ? '≤ ' : '') + number.format(key.count), 'num');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'small';
      button.textContent = 'Purge…';
      button.addEventListener('click', () => preparePurge(key.url));
      cell(tr, '').appendChild(button);
    });
    text('top-keys-note', top.keys.length === 0
      ? 'No requests yet.'
      : 'Counted ' + number.format(top.counted) + ' requests' + (top.skipped > 0 ? ' (' + number.format(top.skipped) + ' skipped under load: counts are a sample)' : '') + '; the tracker keeps the 64 busiest URLs, ≤ marks a count that may include displaced URLs.');

    const origin = report.origin_health;
    text('origin-url', report.origin);
    text('origin-round-trips', number.format(origin.round_trips));
    text('origin-errors', number.format(origin.errors));
    $('origin-errors').className = origin.errors > 0 ? 'bad' : 'ok';
    text('origin-last-error', origin.last_error
      ? origin.last_error.type + ' at ' + new Date(origin.last_error.at).toLocaleTimeString('en-GB') + ' (' + duration((Date.parse(report.generated_at) - Date.parse(origin.last_error.at)) / 1000) + ' ago)'
      : 'none');
    text('origin-latency', 'p50 ' + millis(origin.latency_p50_ms) + ', average ' + millis(origin.latency_avg_ms) + ' (last ' + number.format(origin.latency_samples) + ' round trips)');
  }

  function svg(name, attributes, parent) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
    if (parent) parent.appendChild(element);
    return element;
  }

  // The hit ratio as a line over request-volume bars; the x axis is the whole window ending now.
  function drawChart(report) {
    const width = 760, height = 220, left = 40, right = 10, top = 10, bottom = 24;
    const plotWidth = width - left - right, plotHeight = height - top - bottom;
    const bucketMs = report.bucket_seconds * 1000;
    const buckets = 180;
    const end = Date.parse(report.generated_at);
    const start = end - buckets * bucketMs;
    text('chart-window', Math.round(buckets * report.bucket_seconds / 60) + ' minutes');
    text('bucket-seconds', String(report.bucket_seconds));

    const root = svg('svg', { viewBox: '0 0 ' + width + ' ' + height, 'data-points': '0' });
    for (const fraction of [0, 0.5, 1]) {
      const y = top + plotHeight * (1 - fraction);
      svg('line', { x1: left, x2: width - right, y1: y, y2: y, class: 'grid-line' }, root);
      svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end', class: 'axis' }, root).textContent = (fraction * 100) + '%';
    }
    const minutes = Math.round(buckets * report.bucket_seconds / 60);
    for (let m = minutes; m >= 0; m -= 5) {
      const x = left + plotWidth * (1 - m / minutes);
      svg('text', { x, y: height - 6, 'text-anchor': m === minutes ? 'start' : m === 0 ? 'end' : 'middle', class: 'axis' }, root)
        .textContent = m === 0 ? 'now' : '−' + m + ' min';
    }

    const slot = plotWidth / buckets;
    const maxRequests = Math.max(1, ...report.history.map((p) => p.requests));
    const points = [];
    let gap = false;
    for (const point of report.history) {
      const x = left + plotWidth * Math.min(1, Math.max(0, (Date.parse(point.start) - start) / (buckets * bucketMs)));
      if (point.requests > 0) {
        const h = plotHeight * point.requests / maxRequests;
        svg('rect', { x: x, y: top + plotHeight - h, width: Math.max(1, slot - 1), height: h, class: 'bar' }, root);
        const ratio = point.cached / point.requests;
        points.push({ x: x + slot / 2, y: top + plotHeight * (1 - ratio), point, ratio, gapBefore: gap });
        gap = false;
      } else {
        gap = true;
      }
    }
    // One line per run of buckets with traffic: an idle stretch has no ratio to draw.
    for (const run of points.reduce((runs, p) => {
      if (p.gapBefore || runs.length === 0) runs.push([]);
      runs[runs.length - 1].push(p);
      return runs;
    }, [])) {
      if (run.length > 1) svg('polyline', { points: run.map((p) => p.x.toFixed(1) + ',' + p.y.toFixed(1)).join(' '), class: 'ratio' }, root);
    }
    for (const p of points) {
      const dot = svg('circle', { cx: p.x.toFixed(1), cy: p.y.toFixed(1), r: 3, class: 'dot' }, root);
      svg('title', {}, dot).textContent = new Date(p.point.start).toLocaleTimeString('en-GB') + ': ' + (100 * p.ratio).toFixed(1) + '% of ' + p.point.requests;
    }
    root.setAttribute('data-points', String(points.length));
    $('hit-chart').replaceChildren(root);
  }

  function preparePurge(url) {
    $('purge-kind').value = 'files';
    $('purge-values').value = url;
    $('purge-values').focus();
  }

  async function purge(event) {
    event.preventDefault();
    const kind = $('purge-kind').value;
    const values = $('purge-values').value.split('\n').map((v) => v.trim()).filter((v) => v.length > 0);
    const body = {};
    if (kind === 'purge_everything') {
      if (!window.confirm('Purge everything in the cache?')) return;
      body.purge_everything = true;
    } else {
      if (values.length === 0) { text('purge-result', 'Enter at least one value.'); return; }
      body[kind] = values;
    }
    if ($('purge-soft').checked) body.soft = true;

    $('purge-submit').disabled = true;
    text('purge-result', 'Purging…');
    try {
      const response = await fetch('purge_cache', {
        method: 'POST',
        headers: authHeaders({ 'Content-Type': 'application/json' }),
        body: JSON.stringify(body),
      });
      if (response.status === 401) { lock('That token was refused.'); return; }
      const answer = await response.json();
      $('purge-result').className = answer.success ? 'ok' : 'bad';
      text('purge-result', answer.success
        ? 'Purged ' + number.format(answer.result.purged) + (answer.result.purged === 1 ? ' entry.' : ' entries.')
        : 'Refused: ' + (answer.errors[0] ? answer.errors[0].message : 'HTTP ' + response.status));
      poll();
    } catch (error) {
      $('purge-result').className = 'bad';
      text('purge-result', 'The purge failed: ' + error.message);
    } finally {
      $('purge-submit').disabled = false;
    }
  }

  function saveToken(event) {
    event.preventDefault();
    token = $('token-input').value.trim();
    $('token-input').value = '';
    sessionStorage.setItem(TOKEN_KEY, token);
    if ($('token-remember').checked) localStorage.setItem(TOKEN_KEY, token);
    locked = false;
    text('token-error', '');
    setState('loading', 'Loading…');
    poll();
  }

  function forgetToken() {
    token = '';
    sessionStorage.removeItem(TOKEN_KEY);
    localStorage.removeItem(TOKEN_KEY);
    lock('');
  }

  function togglePause() {
    paused = !paused;
    text('pause-button', paused ? 'Resume' : 'Pause');
    if (paused) { clearTimeout(timer); text('poll-state', 'Paused'); } else { poll(); }
  }

  $('token-form').addEventListener('submit', saveToken);
  $('purge-form').addEventListener('submit', purge);
  $('forget-token').addEventListener('click', forgetToken);
  $('pause-button').addEventListener('click', togglePause);
  poll();
})();
