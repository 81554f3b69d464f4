// The URL global: whatwg-url's implementation (vendor.js) behind a fast path for the URLs a worker sees on
// every request. A plain absolute http(s) URL that is already in its WHATWG serialisation (lower-case scheme
// and host, no user info, no dot segments, nothing to percent-encode, no default port) is split with one
// regular expression; anything else, and every setter, goes through whatwg-url, which costs about half a
// millisecond per parse in the interpreter. The fast path must give exactly what whatwg-url gives:
// UrlParsingTests compares the two, with Node's URL as the oracle, over generated adversarial inputs.
(function (host, internal) {
  'use strict';

  const WhatwgURL = globalThis.URL;
  const plainUrl = /^(https?):\/\/((?:[a-z0-9-]+\.)*[a-z][a-z0-9-]*|(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))(?::([1-9]\d{0,4}))?(\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*)?(\?[A-Za-z0-9\-._~!$&()*+,;=:@/?%]*)?(#[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*)?$/;
  const dotSegment = /(?:^|\/)(?:\.|%2e){1,2}(?:\/|$)/i;
  const punycodeLabel = /(?:^|\.)xn--/;
  // A default that no caller can pass: tells new URL() from new URL(x) without the arguments object, which
  // the interpreter builds for every call of a function that mentions it.
  const noArgument = Symbol('noArgument');

  // The same few URLs come back on every request (request.url, cache keys): remember recent answers. The
  // parts arrays are never changed after they are made, so URLs can share them.
  const recent = new Map();
  const recentLimit = 512;

  // [scheme, host, port, path, query, fragment] of a plain URL, or null when the full parser is needed.
  const splitPlain = (text) => {
    if (text.length > 2048) return null;
    let parts = recent.get(text);
    if (parts === undefined) {
      parts = splitPlainUncached(text);
      if (recent.size >= recentLimit) recent.clear();
      recent.set(text, parts);
    }
    return parts;
  };

  const splitPlainUncached = (text) => {
    const m = plainUrl.exec(text);
    if (m === null || punycodeLabel.test(m[2])) return null;
    const [, scheme, hostname, port = '', path = '', query, fragment] = m;
    if (port !== '' && (Number(port) > 65535 || Number(port) === (scheme === 'http' ? 80 : 443))) return null;
    if (dotSegment.test(path)) return null;
    const parts = [scheme, hostname, port, path === '' ? '/' : path, query === undefined ? null : query.slice(1), fragment === undefined ? null : fragment.slice(1)];
    // The serialisation, made once: the same parts come back from the cache on every request.
    parts.push(serialiseParts(parts));
    return parts;
  };

  const serialiseParts = (p) =>
    `${p[0]}://${p[1]}${p[2] === '' ? '' : ':' + p[2]}${p[3]}${p[4] === null ? '' : '?' + p[4]}${p[5] === null ? '' : '#' + p[5]}`;
  const serialise = (p) => (p.length > 6 ? p[6] : serialiseParts(p));

  // The serialised form of an absolute URL (Request uses it for request.url).
  internal.parseUrl = (input) => {
    const text = String(input);
    const plain = splitPlain(text);
    return plain === null ? new WhatwgURL(text).href : serialise(plain);
  };

  class URL {
    #parts;
    #full;

    // base has no default: a default that is evaluated costs the interpreter an expression built per call.
    constructor(url = noArgument, base) {
      if (url === noArgument) throw new TypeError('Failed to construct \'URL\': 1 argument required, but only 0 present.');
      // String(url) is url itself for a string: the global lookup and the call are left out for the usual input.
      const text = typeof url === 'string' ? url : String(url);
      // splitPlain's cache read here: a call fewer per URL for the URLs that come back on every request.
      let plain = null;
      if (base === undefined) {
        plain = recent.get(text);
        if (plain === undefined) plain = splitPlain(text);
      }
      if (plain !== null) this.#parts = plain;
      else this.#full = base === undefined ? new WhatwgURL(text) : new WhatwgURL(text, String(base));
    }

    static canParse(url, base = undefined) {
      try {
        // eslint-disable-next-line no-new
        base === undefined ? new URL(url) : new URL(url, base);
        return true;
      } catch {
        return false;
      }
    }

    static parse(url, base = undefined) {
      try {
        return base === undefined ? new URL(url) : new URL(url, base);
      } catch {
        return null;
      }
    }

    // The whatwg-url object, made from the fast path's parts on first need (setters, searchParams).
    #impl() {
      if (this.#full === undefined) {
        this.#full = new WhatwgURL(serialise(this.#parts));
        this.#parts = undefined;
      }
      return this.#full;
    }

    get href() { const p = this.#parts; return p ? (p.length > 6 ? p[6] : serialiseParts(p)) : this.#full.href; }
    set href(value) {
      const plain = splitPlain(String(value));
      if (plain !== null) {
        this.#parts = plain;
        this.#full = undefined;
      } else {
        this.#full = new WhatwgURL(String(value));
        this.#parts = undefined;
      }
    }

    get origin() { return this.#parts ? `${this.#parts[0]}://${this.host}` : this.#full.origin; }
    get protocol() { return this.#parts ? this.#parts[0] + ':' : this.#full.protocol; }
    set protocol(value) { this.#impl().protocol = value; }
    get username() { return this.#parts ? '' : this.#full.username; }
    set username(value) { this.#impl().username = value; }
    get password() { return this.#parts ? '' : this.#full.password; }
    set password(value) { this.#impl().password = value; }
    get host() { return this.#parts ? (this.#parts[2] === '' ? this.#parts[1] : `${this.#parts[1]}:${this.#parts[2]}`) : this.#full.host; }
    set host(value) { this.#impl().host = value; }
    get hostname() { return this.#parts ? this.#parts[1] : this.#full.hostname; }
    set hostname(value) { this.#impl().hostname = value; }
    get port() { return this.#parts ? this.#parts[2] : this.#full.port; }
    set port(value) { this.#impl().port = value; }
    get pathname() { return this.#parts ? this.#parts[3] : this.#full.pathname; }
    set pathname(value) { this.#impl().pathname = value; }
    get search() { return this.#parts ? (this.#parts[4] ? '?' + this.#parts[4] : '') : this.#full.search; }
    set search(value) { this.#impl().search = value; }
    get searchParams() { return this.#impl().searchParams; }
    get hash() { return this.#parts ? (this.#parts[5] ? '#' + this.#parts[5] : '') : this.#full.hash; }
    set hash(value) { this.#impl().hash = value; }
    // Not this.href: the getter is another call in the interpreter (the reference example calls toString on every request).
    toString() { const p = this.#parts; return p ? (p.length > 6 ? p[6] : serialiseParts(p)) : this.#full.href; }
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return 'URL'; }
  }

  Object.defineProperty(globalThis, 'URL', { value: URL, writable: true, configurable: true, enumerable: false });
});
