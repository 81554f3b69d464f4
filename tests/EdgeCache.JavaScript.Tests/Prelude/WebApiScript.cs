namespace EdgeCache.JavaScript.Tests.Prelude;

/// <summary>
/// One worker with a case per Web API behaviour: <c>GET /name</c> runs case <c>name</c> and answers its result
/// as JSON, so each test compares what the runtime really computed with what the standard says.
/// </summary>
public sealed class WebApiScript : CaseScript
{
    private const string Source = """
        const bytes = (view) => Array.from(new Uint8Array(view instanceof ArrayBuffer ? view : view.buffer));
        const hex = (buffer) => Array.from(new Uint8Array(buffer), b => b.toString(16).padStart(2, '0')).join('');
        const cases = {
          'url-dot-segments-and-case': () => new URL('HTTP://EXAMPLE.com:80/a/./b/../c?x=1#frag').href,
          'url-keeps-percent-escapes': () => new URL('http://example.com/%7Efoo/a%2Fb').pathname,
          'url-relative-resolution': () => new URL('../d?q', 'http://h.test/a/b/c').href,
          'url-idna-host': () => new URL('https://münchen.example/').host,
          'url-ipv4-shorthand': () => new URL('http://0x7f.1/').host,
          'url-backslash-is-slash': () => new URL('http://h.test\\a\\b').pathname,
          'url-invalid-throws-type-error': () => { try { new URL('http://exa mple.com/'); return 'no error'; } catch (e) { return e.constructor.name; } },
          'url-members-over-the-fast-path': () => { const u = new URL('http://h.test/a?x=1#f'); const before = [u.toString(), JSON.stringify(u), Object.prototype.toString.call(u), u instanceof URL, u.constructor === URL, URL.length, u.origin, u.host, u.port, u.search, u.hash]; u.pathname = '/b c'; u.searchParams.append('y', '2'); u.port = '8080'; return [...before, u.href, u.search, String(u), u.host]; },
          'url-subclass-and-call-without-new': () => { class My extends URL { get extra() { return this.hostname + '!'; } } const m = new My('https://h.test/p'); let error = 'no error'; try { URL('http://h.test/'); } catch (e) { error = e.constructor.name; } let none = 'no error'; try { new URL(); } catch (e) { none = e.constructor.name; } const h = new URL('http://a.test/'); h.href = 'HTTP://B.TEST:80/x/../y'; return [m.extra, m instanceof URL, m instanceof My, m.href, error, none, URL.canParse('nope'), URL.parse('http://h.test/x').pathname, h.href, h.hostname]; },
          'urlsearchparams': () => { const p = new URLSearchParams('a=1&b=2&a=3'); p.append('c', 'x y'); p.delete('b'); return [p.getAll('a'), p.toString()]; },
          'headers-combine-and-sort': () => { const h = new Headers({ 'X-B': '2' }); h.append('x-a', '1'); h.append('X-A', '3'); return [h.get('x-a'), [...h]]; },
          'headers-set-cookie-stays-apart': () => { const h = new Headers(); h.append('Set-Cookie', 'a=1'); h.append('set-cookie', 'b=2'); return [h.getSetCookie(), [...h].length]; },
          'headers-invalid-name-throws': () => { try { new Headers().set('bad name', 'x'); return 'no error'; } catch (e) { return e.constructor.name; } },
          'headers-value-with-newline-throws': () => { try { new Headers().set('x', 'a\r\nb: c'); return 'no error'; } catch (e) { return e.constructor.name; } },
          'headers-values-are-trimmed': () => new Headers([['x', '  v \t']]).get('x'),
          'response-json': async () => { const r = Response.json({ a: 1 }, { status: 201 }); return [r.status, r.headers.get('content-type'), await r.json()]; },
          'response-redirect': () => { const r = Response.redirect('https://h.test/next', 301); return [r.status, r.headers.get('location')]; },
          'response-redirect-bad-status': () => { try { Response.redirect('https://h.test/', 200); return 'no error'; } catch (e) { return e.constructor.name; } },
          'response-clone-reads-twice': async () => { const r = new Response('body'); const c = r.clone(); return [await r.text(), await c.text()]; },
          'response-body-used-once': async () => { const r = new Response('x'); await r.text(); try { await r.text(); return 'no error'; } catch (e) { return [r.bodyUsed, e.constructor.name]; } },
          'response-string-content-type': () => new Response('x').headers.get('content-type'),
          'response-null-body-status-with-body-throws': () => { try { new Response('x', { status: 204 }); return 'no error'; } catch (e) { return e.constructor.name; } },
          'response-from-stream': async () => { const s = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode('a')); c.enqueue(new TextEncoder().encode('b')); c.close(); } }); return new Response(s).text(); },
          'body-stream-is-a-readable-stream': () => { const b = new Response('x').body; return [b instanceof ReadableStream, b.constructor === ReadableStream, Object.prototype.toString.call(b), b.locked]; },
          'body-stream-passed-on-is-locked-and-used': async () => { const r = new Response('abc'); const copy = new Response(r.body, r); let error = 'no error'; try { r.body.getReader(); } catch (e) { error = e.constructor.name; } return [r.body.locked, r.bodyUsed, error, await copy.text()]; },
          'body-stream-reads-tees-and-iterates': async () => { const [a, b] = new Response('ab').body.tee(); const chunks = []; for await (const c of new Response('cd').body) chunks.push(new TextDecoder().decode(c)); const reader = new Response('ef').body.getReader(); const first = await reader.read(); return [await new Response(a).text(), await new Response(b).text(), chunks.join(''), new TextDecoder().decode(first.value), (await reader.read()).done]; },
          'body-stream-read-then-passed-on-throws': async () => { const r = new Response('x'); const reader = r.body.getReader(); await reader.read(); reader.releaseLock(); try { new Response(r.body); return 'no error'; } catch (e) { return [r.bodyUsed, e.constructor.name]; } },
          'request-subclass-and-call-without-new': () => { class My extends Request { get extra() { return this.method + '!'; } } const r = new My('http://h.test/a', { method: 'POST', body: 'x' }); let error = 'no error'; try { Request('http://h.test/'); } catch (e) { error = e.constructor.name; } let none = 'no error'; try { new Request(); } catch (e) { none = e.constructor.name; } return [r instanceof Request, r instanceof My, r.extra, r.url, error, none, Request.length, Object.prototype.toString.call(r), r.constructor === My, new Request(new URL('http://h.test/u')).url]; },
          'request-get-with-body-throws': () => { try { new Request('http://h.test/', { body: 'x' }); return 'no error'; } catch (e) { return e.constructor.name; } },
          'request-method-normalised': () => [new Request('http://h.test/', { method: 'post' }).method, new Request('http://h.test/', { method: 'patch' }).method],
          'request-relative-url-throws': () => { try { new Request('/relative'); return 'no error'; } catch (e) { return e.constructor.name; } },
          'request-url-serialised': () => new Request('HTTP://H.TEST:80/a/../b').url,
          'text-encoder-decoder': () => { const e = new TextEncoder().encode('héllo €'); return [e.length, new TextDecoder().decode(e)]; },
          'text-decoder-streaming-split-character': () => { const d = new TextDecoder(); const e = new TextEncoder().encode('€'); return d.decode(e.subarray(0, 1), { stream: true }) + d.decode(e.subarray(1)); },
          'text-decoder-fatal': () => { try { new TextDecoder('utf-8', { fatal: true }).decode(new Uint8Array([0xff])); return 'no error'; } catch (e) { return e.constructor.name; } },
          'atob-btoa': () => [btoa('hello'), atob('aGVsbG8='), atob(' aGVs bG8 ')],
          'atob-invalid-throws': () => { try { atob('a'); return 'no error'; } catch (e) { return e.name; } },
          'btoa-non-latin1-throws': () => { try { btoa('€'); return 'no error'; } catch (e) { return e.name; } },
          'crypto-random-uuid': () => /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(crypto.randomUUID()),
          'crypto-get-random-values-quota': () => { try { crypto.getRandomValues(new Uint8Array(65537)); return 'no error'; } catch (e) { return e.name; } },
          'crypto-digest-sha256': async () => hex(await crypto.subtle.digest('SHA-256', new TextEncoder().encode('abc'))),
          'crypto-hmac-sha256': async () => {
            const key = await crypto.subtle.importKey('raw', new TextEncoder().encode('key'), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
            const data = new TextEncoder().encode('The quick brown fox jumps over the lazy dog');
            const signature = await crypto.subtle.sign('HMAC', key, data);
            return [hex(signature), await crypto.subtle.verify('HMAC', key, signature, data), await crypto.subtle.verify('HMAC', key, new Uint8Array(32), data)];
          },
          'multipart-garbage': async () => { try { await new Response('not multipart at all', { headers: { 'content-type': 'multipart/form-data; boundary=xyz' } }).formData(); return 'parsed'; } catch (e) { return e.name; } },
          'multipart-no-boundary': async () => { try { await new Response('--x\r\n', { headers: { 'content-type': 'multipart/form-data' } }).formData(); return 'parsed'; } catch (e) { return e.name; } },
          'multipart-part-without-disposition': async () => { try { await new Response('--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n', { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData(); return 'parsed'; } catch (e) { return e.name; } },
          'multipart-filename-star': async () => { const f = await new Response('--b\r\nContent-Disposition: form-data; name="f"; filename="plain.txt"; filename*=UTF-8\'\'%C3%A9t%C3%A9.txt\r\n\r\nx\r\n--b--\r\n', { headers: { 'content-type': 'multipart/form-data; boundary=b' } }).formData(); return f.get('f').name; },
          'structured-clone': () => { const a = { d: new Date(0), m: new Map([[1, { x: 2 }]]) }; a.self = a; const c = structuredClone(a); return [c !== a, c.self === c, c.d.getTime(), c.m.get(1).x]; },
          'structured-clone-function-throws': () => { try { structuredClone({ f() {} }); return 'no error'; } catch (e) { return e.name; } },
          'timers-run-in-order': () => new Promise(resolve => { const seen = []; setTimeout(() => { seen.push('b'); resolve(seen); }, 500); setTimeout(() => { seen.push('a'); }, 0); const t = setTimeout(() => seen.push('never'), 5); clearTimeout(t); queueMicrotask(() => seen.push('micro')); }),
          'abort-controller': () => { const c = new AbortController(); let fired = 0; c.signal.addEventListener('abort', () => fired++); c.abort(); c.abort(); return [c.signal.aborted, fired, c.signal.reason.name]; },
          'streams-pipe-through': async () => {
            const upper = new TransformStream({ transform(chunk, c) { c.enqueue(chunk.toUpperCase()); } });
            const source = new ReadableStream({ start(c) { c.enqueue('a'); c.enqueue('b'); c.close(); } });
            const reader = source.pipeThrough(upper).getReader();
            const out = [];
            for (;;) { const { done, value } = await reader.read(); if (done) break; out.push(value); }
            return out.join('');
          },
        };
        export default {
          async fetch(request) {
            const name = new URL(request.url).pathname.slice(1);
            const run = cases[name];
            if (!run) return new Response('no case ' + name, { status: 404 });
            return Response.json(await run());
          },
        };
        """;

    protected override string Script => Source;
}
