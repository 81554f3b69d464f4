// The Fetch API of a worker (Headers, Request, Response, fetch), the Cache API (caches) and the
// worker model (addEventListener('fetch'), FetchEvent, ES module handlers), over the C# machinery:
// bodies that come from C# stay C# objects ("host bodies") until JavaScript reads them, so a body the
// script only passes on streams in C# without a JavaScript call per chunk.
(function (host, internal) {
  'use strict';

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  // ---- Headers ----
  // A Headers object is itself C# (HeaderList.cs, with this class's prototype): names are checked and
  // lower-cased, values trimmed and checked there, append/set/delete/get/has/getSetCookie are C# functions on
  // the prototype (host.headersInstall), and a message crossing to or from the host hands its list over
  // without a JavaScript loop. No private field: each one costs a dictionary per object in the interpreter.
  const tokenPattern = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

  class Headers {
    constructor(init = undefined) {
      if (init instanceof Headers) return host.headersCopy(init, new.target.prototype);
      const list = host.headersNew(new.target.prototype);
      if (init === undefined || init === null) return list;
      if (typeof init !== 'object' && typeof init !== 'function') {
        throw new TypeError('Failed to construct \'Headers\': The provided value is not of type \'(record<ByteString, ByteString> or sequence<sequence<ByteString>>)\'.');
      }
      if (typeof init[Symbol.iterator] === 'function') {
        for (const pair of init) {
          const entry = [...pair];
          if (entry.length !== 2) throw new TypeError(`Failed to construct 'Headers': a header pair must have 2 items, not ${entry.length}.`);
          host.headersAppend(list, entry[0], entry[1]);
        }
        return list;
      }
      const keys = Object.keys(init);
      for (let i = 0; i < keys.length; i++) host.headersAppend(list, keys[i], init[keys[i]]);
      return list;
    }

    getAll(name) {
      if (host.headersName(this, name) !== 'set-cookie') throw new TypeError('getAll() can only be used with the header name "Set-Cookie".');
      return host.headersSetCookie(this);
    }

    forEach(callback, thisArg = undefined) {
      const entries = host.headersEntries(this);
      for (let i = 0; i < entries.length; i++) callback.call(thisArg, entries[i][1], entries[i][0], this);
    }

    entries() { return host.headersEntries(this).values(); }
    keys() { return host.headersEntries(this).map(e => e[0]).values(); }
    values() { return host.headersEntries(this).map(e => e[1]).values(); }
    [Symbol.iterator]() { return this.entries(); }
    get [Symbol.toStringTag]() { return 'Headers'; }
  }
  host.headersInstall(Headers.prototype);
  // The host takes and gives the Headers object itself (and checks that it is one).
  const headersToFlat = (headers) => headers;
  const freezeHeaders = (headers) => { host.headersFreeze(headers); return headers; };
  define('Headers', Headers);

  // ---- bodies ----
  // A body source is null or one of: { kind: 1, value: string }, { kind: 2, value: Uint8Array },
  // { kind: 3, value: host body }, { kind: 4, value: ReadableStream made by JavaScript }.
  const STRING = 1;
  const BYTES = 2;
  const HOST = 3;
  const STREAM = 4;
  // The state of a Request or Response is C# (WebMessage.cs): slots that the prelude reads and writes with
  // these private symbols, and that the message answers from an array (no property table per message).
  const messageKeys = ['url', 'method', 'headers', 'redirect', 'signal', 'cf', 'used', 'body', 'stream', 'status', 'statusText', 'redirected', 'type']
    .map(name => Symbol(name));
  host.messageSlots(messageKeys);
  const [kUrl, kMethod, kHeaders, kRedirect, kSignal, kCf, kUsed, kBody, kStream, kStatus, kStatusText, kRedirected, kType] = messageKeys;
  const kStreamSource = Symbol('streamSource');
  const kStreamTouched = Symbol('streamTouched');

  const copyBytes = (view) => new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));

  // The WHATWG "extract a body": the source and the Content-Type it implies.
  const extractBody = (body) => {
    if (body === null || body === undefined) return [null, null];
    if (typeof body === 'string') return [{ kind: STRING, value: body }, 'text/plain;charset=UTF-8'];
    // A body's own stream (new Response(response.body, response)) is the common case: tested first.
    if (body instanceof BodyStream && body[kReal] === undefined && body[kStreamTouched] !== true) {
      if (body[kHostLocked] === true) throw new TypeError('The ReadableStream is locked or disturbed and cannot be used as a body.');
      lockStream(body);
      return [body[kStreamSource], null];
    }
    if (body instanceof ArrayBuffer) return [{ kind: BYTES, value: new Uint8Array(body.slice(0)) }, null];
    if (ArrayBuffer.isView(body)) return [{ kind: BYTES, value: copyBytes(body) }, null];
    if (body instanceof URLSearchParams) return [{ kind: STRING, value: body.toString() }, 'application/x-www-form-urlencoded;charset=UTF-8'];
    if (body instanceof internal.Blob) return [{ kind: BYTES, value: internal.Blob.bytesOf(body) }, body.type === '' ? null : body.type];
    if (body instanceof FormData) {
      const [bytes, type] = internal.encodeFormData(body);
      return [{ kind: BYTES, value: bytes }, type];
    }
    if (body instanceof ReadableStream) {
      // Disturbed (read from) is known of the streams made here; the Fetch Standard refuses those too.
      if (body.locked || body[kStreamTouched] === true) throw new TypeError('The ReadableStream is locked or disturbed and cannot be used as a body.');
      const source = body[kStreamSource];
      if (source !== undefined && !body[kStreamTouched]) {
        // A stream we made over a body nobody has read: pass the source itself on (a host body stays in C#).
        lockStream(body);
        return [source, null];
      }
      return [{ kind: STREAM, value: body }, null];
    }
    return [{ kind: STRING, value: String(body) }, 'text/plain;charset=UTF-8'];
  };

  // The ReadableStream of a body made here (from the host, a string or bytes) is a BodyStream: a
  // ReadableStream whose polyfill stream is only made when a script uses it (reads, pipes, tees, cancels). The
  // polyfill's constructor costs about 50 us and 13 KB in the interpreter, and the common use of response.body,
  // new Response(response.body, response), only passes the body on (extractBody takes the source instead).
  const kReal = Symbol('realStream');
  const kHostLocked = Symbol('hostLocked');
  class BodyStream extends ReadableStream {
    get locked() { return this[kReal] === undefined ? this[kHostLocked] === true : this[kReal].locked; }
  }
  Object.defineProperty(BodyStream.prototype, 'constructor', { value: ReadableStream, writable: true, configurable: true, enumerable: false });
  const realStream = (outer) => {
    let stream = outer[kReal];
    if (stream !== undefined) return stream;
    const source = outer[kStreamSource];
    if (source.kind === HOST) {
      stream = new ReadableStream({
        async pull(controller) {
          outer[kStreamTouched] = true;
          const chunk = await host.readChunk(source.value);
          if (chunk === null) controller.close();
          else controller.enqueue(chunk);
        },
        cancel() { host.cancelBody(source.value); },
      }, { highWaterMark: 0 });
    } else {
      stream = new ReadableStream({
        pull(controller) {
          outer[kStreamTouched] = true;
          controller.enqueue(source.kind === STRING ? host.utf8Encode(source.value) : source.value.slice());
          controller.close();
        },
      }, { highWaterMark: 0 });
    }
    outer[kReal] = stream;
    if (outer[kHostLocked] === true) stream.getReader();
    return stream;
  };
  for (const name of Reflect.ownKeys(ReadableStream.prototype)) {
    const descriptor = Object.getOwnPropertyDescriptor(ReadableStream.prototype, name);
    if (name === 'constructor' || typeof descriptor.value !== 'function') continue;
    const method = ReadableStream.prototype[name];
    Object.defineProperty(BodyStream.prototype, name, {
      value: { [name](...args) { return method.apply(realStream(this), args); } }[name],
      writable: true, configurable: true, enumerable: descriptor.enumerable,
    });
  }
  // Locks a stream as taking its body does; a BodyStream nobody has used stays without a polyfill stream.
  const lockStream = (stream) => {
    if (stream instanceof BodyStream && stream[kReal] === undefined) stream[kHostLocked] = true;
    else stream.getReader();
  };

  const streamOver = (source) => {
    if (source.kind === STREAM) return source.value;
    const stream = Object.create(BodyStream.prototype);
    stream[kStreamSource] = source;
    return stream;
  };

  const readStream = async (stream) => {
    const reader = stream.getReader();
    const chunks = [];
    let length = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      const bytes = internal.asBytes(value);
      chunks.push(bytes);
      length += bytes.byteLength;
    }
    const all = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) { all.set(chunk, offset); offset += chunk.byteLength; }
    return all;
  };

  class Body {
    get body() {
      const source = this[kBody];
      if (source === null) return null;
      let stream = this[kStream];
      if (stream === undefined) {
        stream = streamOver(source);
        this[kStream] = stream;
      }
      return stream;
    }

    get bodyUsed() {
      if (this[kUsed]) return true;
      const stream = this[kStream];
      return stream !== undefined && (stream.locked || stream[kStreamTouched] === true);
    }

    // Takes the body source for consumption; the body is used afterwards.
    static take(message) {
      if (message.bodyUsed) throw new TypeError('Body has already been used. It can only be used once. Use tee() first if you need to read it twice.');
      const source = message[kBody];
      message[kUsed] = true;
      const stream = message[kStream];
      if (source !== null && stream !== undefined && !stream[kStreamTouched]) lockStream(stream);
      return source;
    }

    async arrayBuffer() {
      const bytes = await Body.bytes(this);
      return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes.buffer : bytes.slice().buffer;
    }

    async bytes() {
      return Body.bytes(this);
    }

    static async bytes(message) {
      const source = Body.take(message);
      if (source === null) return new Uint8Array(0);
      switch (source.kind) {
        case STRING: return host.utf8Encode(source.value);
        case BYTES: return source.value.slice();
        case HOST: return host.readBytes(source.value);
        default: return readStream(source.value);
      }
    }

    async text() {
      const source = Body.take(this);
      if (source === null) return '';
      switch (source.kind) {
        case STRING: return source.value;
        case BYTES: return host.utf8Decode(source.value, false, true);
        case HOST: return host.readText(source.value);
        default: return host.utf8Decode(await readStream(source.value), false, true);
      }
    }

    async json() {
      return JSON.parse(await this.text());
    }

    async formData() {
      const type = this.headers.get('content-type') ?? '';
      return internal.decodeFormData(type, await Body.bytes(this));
    }

    async blob() {
      const type = this.headers.get('content-type') ?? '';
      return new internal.Blob([await Body.bytes(this)], { type });
    }

    // Splits the body for clone(): the original keeps one side, the copy gets the other.
    static tee(message) {
      if (message.bodyUsed) throw new TypeError('Body has already been used. It can only be used once. Use tee() first if you need to read it twice.');
      const source = message[kBody];
      if (source === null) return null;
      if (source.kind === HOST) {
        message[kStream] = undefined;
        return { kind: HOST, value: host.tee(source.value) };
      }
      if (source.kind === STREAM) {
        const [left, right] = source.value.tee();
        message[kBody] = { kind: STREAM, value: left };
        message[kStream] = undefined;
        return { kind: STREAM, value: right };
      }
      return source;
    }

    // The body as the host takes it: [kind, value]; for a JavaScript stream, a reader the host pulls from.
    static forHost(message) {
      const source = Body.take(message);
      if (source === null) return [0, null];
      if (source.kind === STREAM) return [STREAM, source.value.getReader()];
      return [source.kind, source.value];
    }
  }

  // Request and Response are not subclasses of Body (which is no global, here or on workerd): Body's methods
  // are copied onto their prototypes, which saves a super() call in each constructor.
  const mixBody = (target) => {
    for (const name of Reflect.ownKeys(Body.prototype)) {
      if (name !== 'constructor') Object.defineProperty(target.prototype, name, Object.getOwnPropertyDescriptor(Body.prototype, name));
    }
  };

  // new Headers(init) for a message's headers; a Headers given (another message's) is copied by the host
  // without the constructor's JavaScript.
  const headersOf = (init) => (init instanceof Headers ? host.headersCopy(init, Headers.prototype) : new Headers(init));
  internal.extractBody = extractBody;
  internal.takeBody = Body.take;

  // ---- Request ----

  // A default that no caller can pass: tells new FetchEvent() from new FetchEvent(x) without the arguments object,
  // which the interpreter builds for every call of a function that mentions it.
  const noArgument = Symbol('noArgument');

  // The constructor is C# (host.requestInstall, below; WorkerRuntime.Messages.cs, RequestConstruct): the Fetch
  // Standard's steps, calling back here for what is JavaScript (a body to extract, the body taken from the input).
  // As a JavaScript constructor it cost a call, its environment and a discarded `this` per request.
  class RequestMembers {
    // method, url, headers, redirect, signal, cf: C# getters of the state (host.stateGetters, below).
    get integrity() { return ''; }
    get keepalive() { return false; }
    get cache() { return undefined; }
    get [Symbol.toStringTag]() { return 'Request'; }

    clone() {
      return host.requestNew(Request.prototype, this[kUrl], this[kMethod], host.headersCopy(this[kHeaders], Headers.prototype), this[kRedirect],
        this[kSignal], this[kCf], Body.tee(this));
    }
  }
  const Request = host.requestInstall(RequestMembers.prototype);
  // The getters (method, url, headers, redirect, signal, cf) are C# functions reading the slots: a JavaScript
  // getter is a function call with an environment of its own in the interpreter, each time.
  mixBody(Request);
  host.messageGetters(Request.prototype, true);
  define('Request', Request);

  // ---- Response ----
  const nullBodyStatus = new Set([101, 204, 205, 304]);
  const redirectStatus = new Set([301, 302, 303, 307, 308]);

  const invalidStatusText = /[^\t\x20-\x7e\x80-\xff]/;

  class Response {
    constructor(body = null, init = {}) {
      init = init ?? {};
      const status = init.status === undefined ? 200 : Number(init.status);
      if (!Number.isInteger(status) || status < 101 || status > 599) {
        throw new RangeError(`Responses may only be constructed with status codes in the range 101 to 599, inclusive; not ${init.status}.`);
      }
      const statusText = init.statusText === undefined ? '' : String(init.statusText);
      if (statusText !== '' && invalidStatusText.test(statusText)) throw new TypeError(`Invalid statusText: '${statusText}'.`);
      const [source, contentType] = extractBody(body);
      if (source !== null && nullBodyStatus.has(status)) {
        throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
      }
      const headers = headersOf(init.headers);
      if (contentType !== null && !headers.has('content-type')) headers.set('content-type', contentType);
      return host.responseNew(new.target.prototype, status, statusText, headers, '', false, 'default', init.cf, source);
    }

    static json(data, init = {}) {
      const text = JSON.stringify(data);
      if (text === undefined) throw new TypeError('Response.json: the value cannot be serialised to JSON.');
      const response = new Response(text, init);
      response[kHeaders].set('content-type', init?.headers && new Headers(init.headers).get('content-type') || 'application/json');
      return response;
    }

    static redirect(url, status = 302) {
      if (!redirectStatus.has(Number(status))) throw new RangeError(`Invalid redirect status: ${status}. Use 301, 302, 303, 307 or 308.`);
      const location = new URL(String(url)).href;
      const response = new Response(null, { status: Number(status), headers: { location } });
      freezeHeaders(response[kHeaders]);
      return response;
    }

    static error() {
      const response = new Response(null, { status: 200 });
      response[kStatus] = 0;
      response[kType] = 'error';
      freezeHeaders(response[kHeaders]);
      return response;
    }

    // ok, status, statusText, headers, url, redirected, type, cf: C# getters of the slots (host.messageGetters, below).
    get webSocket() { return null; }
    get [Symbol.toStringTag]() { return 'Response'; }

    clone() {
      return host.responseNew(Response.prototype, this[kStatus], this[kStatusText], host.headersCopy(this[kHeaders], Headers.prototype), this[kUrl],
        this[kRedirected], this[kType], this[kCf], Body.tee(this));
    }
  }
  mixBody(Response);
  host.messageGetters(Response.prototype, false);
  define('Response', Response);

  // The messages the host makes (the incoming request, fetch and cache.match responses) are made in C#
  // (WorkerRuntime.Messages.cs), with a { kind: HOST, value } body source.

  const toRequest = (input) => (input instanceof Request ? input : new Request(input));

  // ---- fetch ----
  // The cf cache options as the host reads them: [cacheTtl, cacheEverything, cacheKey, cacheTtlByStatus (flat), cacheTags].
  const cfForHost = (cf) => {
    if (cf === undefined || cf === null || typeof cf !== 'object') return null;
    const byStatus = cf.cacheTtlByStatus;
    const flatByStatus = [];
    if (byStatus !== undefined && byStatus !== null) {
      for (const key of Object.keys(byStatus)) flatByStatus.push(key, Number(byStatus[key]));
    }
    const tags = cf.cacheTags === undefined || cf.cacheTags === null ? null : Array.from(cf.cacheTags, String);
    const ttl = cf.cacheTtl === undefined || cf.cacheTtl === null ? null : Number(cf.cacheTtl);
    const key = cf.cacheKey === undefined || cf.cacheKey === null ? null : String(cf.cacheKey);
    return [ttl, Boolean(cf.cacheEverything), key, flatByStatus.length ? flatByStatus : null, tags];
  };

  // Hoisted: a regular expression literal in a function body is a new RegExp (and .NET Regex) per evaluation.
  const httpUrl = /^https?:/;

  const abortError = (signal) => signal.reason ?? new DOMException('The operation was aborted.', 'AbortError');

  async function fetch(input, init = undefined) {
    let request = new Request(input, init);
    const signal = request.signal;
    if (signal?.aborted) throw abortError(signal);
    const cf = cfForHost(init?.cf ?? request.cf);
    for (let redirects = 0; ; redirects++) {
      const url = request.url;
      if (!httpUrl.test(url)) throw new TypeError(`Fetch API cannot load: ${url}`);
      const [kind, body] = Body.forHost(request);
      const replayable = kind === STRING || kind === BYTES;
      const exchange = host.fetch(request.method, url, headersToFlat(request.headers), kind, body, cf);
      const response = signal
        ? await Promise.race([exchange, new Promise((_, reject) => signal.addEventListener('abort', () => reject(abortError(signal)), { once: true }))])
        : await exchange;
      const location = response.headers.get('location');
      if (request.redirect === 'manual' || !redirectStatus.has(response.status) || location === null) {
        if (redirects > 0) response[kRedirected] = true;
        return response;
      }
      if (request.redirect === 'error') throw new TypeError(`Fetch for ${url} was redirected and redirect mode is 'error'.`);
      if (redirects >= 20) throw new TypeError(`Too many redirects fetching ${url}.`);
      host.cancelBody(response[kBody]?.value ?? null);
      const next = new URL(location, url).href;
      const toGet = response.status === 303 && request.method !== 'HEAD' || (response.status <= 302 && request.method === 'POST');
      if (!toGet && kind !== 0 && !replayable) throw new TypeError(`Fetch for ${url} was redirected with a ${response.status} and its streamed body cannot be sent again.`);
      const headers = new Headers(request.headers);
      if (toGet) {
        for (const name of ['content-type', 'content-length', 'content-encoding', 'content-language', 'content-location']) headers.delete(name);
      }
      if (new URL(next).origin !== new URL(url).origin) headers.delete('authorization');
      request = new Request(next, {
        method: toGet ? (request.method === 'HEAD' ? 'HEAD' : 'GET') : request.method,
        headers,
        body: toGet || kind === 0 ? null : (kind === STRING ? body : body.slice()),
        redirect: request.redirect,
        signal,
      });
      response[kUrl] = next;
    }
  }
  define('fetch', fetch);

  // ---- caches ----
  // A Cache is C# (CacheObject.cs), with this class's prototype; match and delete are C# functions on it
  // (host.cachesInstall, below), which read what these did (toRequest, method, url, headers,
  // options?.ignoreMethod, cacheKeyOf) in the same order: each was a JavaScript call on every cache lookup.
  class Cache {
    constructor(token, name) {
      if (token !== internal) throw new TypeError('Illegal constructor');
      return host.cacheNew(new.target.prototype, name);
    }

    async put(request, response) {
      const r = toRequest(request);
      if (!(response instanceof Response)) throw new TypeError('Cache.put: the response must be a Response.');
      if (r.method !== 'GET') throw new TypeError('Cannot cache response to non-GET request.');
      if (response.status === 206) throw new TypeError('Cannot cache response to a range request (206 Partial Content).');
      const vary = response.headers.get('vary');
      if (vary !== null && vary.includes('*') && vary.split(',').some(v => v.trim() === '*')) throw new TypeError('Cannot cache response with \'Vary: *\' header.');
      const flat = headersToFlat(response.headers);
      const [kind, body] = Body.forHost(response);
      await host.cachePut(host.cacheName(this), r.url, headersToFlat(r.headers), cacheKeyOf(r), response.status, response.statusText, flat, kind, body);
    }

    async matchAll() { throw new TypeError('Cache.matchAll() is not supported by Workers.'); }
    async add() { throw new TypeError('Cache.add() is not supported by Workers.'); }
    async addAll() { throw new TypeError('Cache.addAll() is not supported by Workers.'); }
    async keys() { throw new TypeError('Cache.keys() is not supported by Workers.'); }
  }

  const cacheKeyOf = (request) => {
    const key = request.cf?.cacheKey;
    return key === undefined || key === null ? null : String(key);
  };

  const named = new Map();
  // The default getter is a C# function (host.cachesInstall).
  class CacheStorage {
    constructor(token) {
      if (token !== internal) throw new TypeError('Illegal constructor');
    }
    async open(name) {
      const text = String(name);
      if (text.length >= 1024) throw new TypeError('Cache name is too long.');
      let cache = named.get(text);
      if (cache === undefined) {
        cache = new Cache(internal, text);
        named.set(text, cache);
      }
      return cache;
    }
    async has() { throw new TypeError('CacheStorage.has() is not supported by Workers.'); }
    async delete() { throw new TypeError('CacheStorage.delete() is not supported by Workers.'); }
    async keys() { throw new TypeError('CacheStorage.keys() is not supported by Workers.'); }
    async match() { throw new TypeError('CacheStorage.match() is not supported by Workers.'); }
  }
  const cacheStorage = new CacheStorage(internal);
  host.cachesInstall(Cache.prototype, CacheStorage.prototype, cacheStorage, new Cache(internal, null), (input) => input instanceof Request);
  define('caches', cacheStorage);
  define('Cache', Cache);
  define('CacheStorage', CacheStorage);

  // ---- the worker model ----
  // Read by the host's dispatch (WorkerRuntime.Events.cs).
  const fetchListeners = [];
  internal.fetchListeners = fetchListeners;

  // A FetchEvent is C# (FetchEventObject.cs, WorkerRuntime.Events.cs), with this class's prototype and C#
  // members (request, respondWith, waitUntil, passThroughOnException, and Event's type, timeStamp, ...); the
  // host makes one per request of a service worker and runs the listeners itself.
  class FetchEvent extends internal.Event {
    constructor(type = noArgument, init = {}) {
      if (type === noArgument) throw new TypeError('Event: 1 argument required.');
      const eventType = String(type);
      if (!(init?.request instanceof Request)) throw new TypeError('FetchEvent: init.request must be a Request.');
      return host.fetchEventNew(new.target.prototype, eventType, init.request, Boolean(init.cancelable));
    }
  }
  host.fetchEventInstall(FetchEvent.prototype);
  internal.isStopped = host.fetchEventStopped;
  define('FetchEvent', FetchEvent);

  const waitUntil = (id, promise) => {
    const token = host.waitUntilStart(id);
    Promise.resolve(promise).then(
      () => host.waitUntilEnd(token, null),
      (error) => host.waitUntilEnd(token, describeError(error)));
  };
  internal.waitUntil = waitUntil;

  class ExecutionContext {
    #id;
    constructor(token, id) {
      if (token !== internal) throw new TypeError('Illegal constructor');
      this.#id = id;
    }
    waitUntil(promise) { waitUntil(this.#id, promise); }
    passThroughOnException() { host.passThroughOnException(this.#id); }
    get props() { return {}; }
  }
  define('ExecutionContext', ExecutionContext);

  const describeError = (error) => {
    if (error instanceof Error) {
      const head = `${error.name}: ${error.message}`;
      const stack = typeof error.stack === 'string' ? error.stack : '';
      return stack.startsWith(head) ? stack : stack ? `${head}\n${stack}` : head;
    }
    return `Uncaught ${internal.inspect(error)}`;
  };
  internal.describeError = describeError;

  const nativeAddEventListener = globalThis.addEventListener;
  define('addEventListener', function addEventListener(type, listener, options) {
    if (type === 'fetch') {
      if (typeof listener !== 'function' && typeof listener?.handleEvent !== 'function') throw new TypeError('addEventListener: the listener is not a function.');
      fetchListeners.push(listener);
    }
    nativeAddEventListener?.call(globalThis, type, listener, options);
  });
  define('removeEventListener', function removeEventListener(type, listener) {
    const index = fetchListeners.indexOf(listener);
    if (type === 'fetch' && index >= 0) fetchListeners.splice(index, 1);
  });

  let moduleHandler = null;
  let env = {};
  internal.hasFetchListener = () => fetchListeners.length > 0;
  internal.useModule = (exported, environment) => {
    moduleHandler = exported;
    env = environment;
  };

  const send = (id, response) => {
    if (!(response instanceof Response)) {
      throw new TypeError('Incorrect type for Promise: the Promise did not resolve to \'Response\'.');
    }
    const flat = headersToFlat(response.headers);
    const [kind, body] = Body.forHost(response);
    host.respond(id, response.status, response.statusText, flat, kind, body);
  };

  // A Response given as it is goes out in this turn; a promise of one when it settles.
  const deliver = (id, result) => {
    if (result instanceof Response) {
      send(id, result);
      return;
    }
    const failed = (error) => host.fail(id, describeError(error), error);
    Promise.resolve(result).then((response) => {
      try {
        send(id, response);
      } catch (error) {
        failed(error);
      }
    }, failed);
  };

  // The host pulls a JavaScript stream body one chunk per call: it gets host.chunk(token, bytes | null).
  internal.readChunk = (reader, token) => {
    reader.read().then(
      ({ done, value }) => host.chunk(token, done ? null : internal.asBytes(value), null),
      (error) => host.chunk(token, null, describeError(error)));
  };

  internal.deliver = deliver;
  internal.bodyForHost = Body.forHost;

  // Called by the host for each request of an ES module worker (a service worker's are dispatched by the host,
  // WorkerRuntime.Events.cs). Ends in host.respond or host.fail.
  internal.dispatch = (id, request) => {
    let result;
    try {
      result = moduleHandler.fetch(request, env, new ExecutionContext(internal, id));
    } catch (error) {
      host.fail(id, describeError(error), error);
      return;
    }
    try {
      deliver(id, result);
    } catch (error) {
      host.fail(id, describeError(error), error);
    }
  };
});
