namespace EdgeCache.JavaScript.Tests.Runtime;

/// <summary>
/// One worker with a case per behaviour of <c>caches</c> and of the promises the host gives for its tasks:
/// <c>GET /name</c> runs case <c>name</c> and answers its result as JSON. Bodies above 64 bytes are too large to
/// buffer here (<see cref="JavaScriptWorkerOptions.MaxBufferedBodySize"/>), to make a host task that fails at once.
/// </summary>
public sealed class CacheApiScript : CaseScript
{
    private const string Source = """
        const stored = (body = 'x') => new Response(body, { headers: { 'cache-control': 'public, max-age=600' } });
        const outcome = (promise) => promise.then((value) => (value === undefined ? 'undefined' : value.status ?? value), (error) => error.name);
        const cases = {
          'match-hit-settles-before-a-later-microtask': async (n) => {
            const key = `http://cache.test/${n}`;
            await caches.default.put(key, stored());
            const order = [];
            const hit = caches.default.match(key).then((r) => order.push('match ' + r.status));
            Promise.resolve().then(() => order.push('microtask'));
            await hit;
            await null;
            return order;
          },
          'failed-host-task-rejects-with-a-type-error': async (n) => {
            const key = `http://cache.test/${n}`;
            await caches.default.put(key, stored('y'.repeat(100)));
            const response = await caches.default.match(key);
            const order = [];
            const read = response.text();
            const failed = read.then(() => order.push('read'), (e) => order.push(`${e.name}: ${e.message}`));
            Promise.resolve().then(() => order.push('microtask'));
            await failed;
            await null;
            return [read instanceof Promise, order];
          },
          'match-headers-read-after-the-body-moved': async (n) => {
            const key = `http://cache.test/${n}`;
            await caches.default.put(key, new Response('abc', { headers: { 'cache-control': 'public, max-age=600', 'content-type': 'text/x-test' } }));
            const r = await caches.default.match(key);
            await caches.default.put(`${key}/copy`, new Response(r.body, { headers: { 'cache-control': 'public, max-age=600' } }));
            const copy = await caches.default.match(`${key}/copy`);
            return [r.headers.get('content-type'), r.headers.get('cache-control'), r.bodyUsed, await copy.text()];
          },
          'match-miss-is-undefined': (n) => outcome(caches.default.match(`http://cache.test/${n}`)),
          'match-bad-url-rejects': (n) => { const p = caches.default.match('/relative'); return Promise.all([p instanceof Promise, outcome(p)]); },
          'match-on-a-non-cache-rejects': () => outcome(Cache.prototype.match.call({}, 'http://cache.test/x')),
          'default-is-one-cache': () => [caches.default === caches.default, caches.default instanceof Cache, Cache.prototype.match.length,
            Cache.prototype.delete.length, typeof Object.getOwnPropertyDescriptor(CacheStorage.prototype, 'default').get],
          'default-read-from-another-object-throws': () => { try { Object.getOwnPropertyDescriptor(CacheStorage.prototype, 'default').get.call({}); return 'no error'; } catch (e) { return e.name; } },
          'match-of-another-method-needs-ignore-method': async (n) => {
            const key = `http://cache.test/${n}`;
            await caches.default.put(key, stored());
            const post = new Request(key, { method: 'POST', body: 'x' });
            return Promise.all([outcome(caches.default.match(post)), outcome(caches.default.match(post, { ignoreMethod: true })), outcome(caches.default.match(key, 5))]);
          },
          'match-uses-cf-cache-key': async (n) => {
            await caches.default.put(new Request(`http://cache.test/${n}/a`, { cf: { cacheKey: `key-${n}` } }), stored());
            return Promise.all([outcome(caches.default.match(new Request(`http://cache.test/${n}/b`, { cf: { cacheKey: `key-${n}` } }))), outcome(caches.default.match(`http://cache.test/${n}/b`))]);
          },
          'delete-then-match': async (n) => {
            const key = `http://cache.test/${n}`;
            await caches.default.put(key, stored());
            return [await caches.default.delete(key), await caches.default.delete(key), await outcome(caches.default.match(key))];
          },
          'opened-cache-is-its-own': async (n) => {
            const key = `http://cache.test/${n}`;
            const other = await caches.open('other');
            await other.put(key, stored());
            return [other === await caches.open('other'), other instanceof Cache, await outcome(other.match(key)), await outcome(caches.default.match(key))];
          },
          'responds-with-what-a-promise-gives': () => 'sent',
        };
        addEventListener('fetch', (event) => {
          const name = new URL(event.request.url).pathname.slice(1);
          const run = cases[name];
          if (!run) return event.respondWith(new Response('no case ' + name, { status: 404 }));
          event.respondWith((async () => Response.json(await run(name + '-' + Math.random())))());
        });
        """;

    protected override string Script => Source;

    protected override Action<JavaScriptWorkerOptions>? Configure => o => o.MaxBufferedBodySize = 64;
}
