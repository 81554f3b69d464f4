// The runtime-neutral Web APIs of a worker (WinterTC's Minimum Common API, the part Workers scripts use):
// encoding, base64, console, timers, crypto, structuredClone, events and abort signals.
// Runs once per engine before vendor.js (whose URL code needs TextEncoder) and fetch.js.
// `host` is the C# side (HostApi.cs); `internal` carries functions between the prelude files and to C#.
(function (host, internal) {
  'use strict';

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  class DOMException extends Error {
    #name;
    constructor(message = '', name = 'Error') {
      super(String(message));
      this.#name = String(name);
    }
    get name() { return this.#name; }
    get code() { return DOMException.#codes[this.#name] ?? 0; }
    static #codes = {
      IndexSizeError: 1, NotFoundError: 8, NotSupportedError: 9, InvalidStateError: 11, SyntaxError: 12,
      InvalidAccessError: 15, TypeMismatchError: 17, SecurityError: 18, NetworkError: 19, AbortError: 20,
      QuotaExceededError: 22, TimeoutError: 23, DataCloneError: 25, InvalidCharacterError: 5,
    };
  }
  define('DOMException', DOMException);

  // ---- encoding ----
  // The Encoding Standard's labels of the encodings TextDecoder supports here.
  const encodingLabels = new Map([
    ...['utf-8', 'utf8', 'unicode-1-1-utf-8', 'unicode11utf8', 'unicode20utf8', 'x-unicode20utf8'].map(l => [l, 'utf-8']),
    ...['utf-16le', 'utf-16', 'ucs-2', 'unicode', 'csunicode', 'iso-10646-ucs-2', 'unicodefeff'].map(l => [l, 'utf-16le']),
    ...['utf-16be', 'unicodefffe'].map(l => [l, 'utf-16be']),
    ...['windows-1252', 'latin1', 'iso-8859-1', 'iso8859-1', 'iso88591', 'iso_8859-1', 'iso_8859-1:1987', 'l1', 'ascii',
      'us-ascii', 'cp1252', 'cp819', 'csisolatin1', 'ibm819', 'iso-ir-100', 'x-cp1252', 'ansi_x3.4-1968'].map(l => [l, 'windows-1252']),
  ]);

  class TextEncoder {
    get encoding() { return 'utf-8'; }
    encode(input = '') { return host.utf8Encode(String(input)); }
    encodeInto(source, destination) {
      if (!(destination instanceof Uint8Array)) throw new TypeError('encodeInto: destination must be a Uint8Array.');
      const text = String(source);
      let read = 0;
      let written = 0;
      for (const ch of text) {
        const bytes = host.utf8Encode(ch);
        if (written + bytes.length > destination.length) break;
        destination.set(bytes, written);
        written += bytes.length;
        read += ch.length;
      }
      return { read, written };
    }
  }

  // How many bytes at the end of `bytes` start a UTF-8 sequence that is not complete yet.
  const incompleteTail = (bytes) => {
    for (let back = 1; back <= Math.min(3, bytes.length); back++) {
      const b = bytes[bytes.length - back];
      if ((b & 0xc0) === 0x80) continue;
      const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
      return need > back ? back : 0;
    }
    return 0;
  };

  const asBytes = (input) => {
    if (input === undefined) return new Uint8Array(0);
    if (input instanceof Uint8Array) return input;
    if (input instanceof ArrayBuffer) return new Uint8Array(input);
    if (ArrayBuffer.isView(input)) return new Uint8Array(input.buffer, input.byteOffset, input.byteLength);
    throw new TypeError('The provided value is not of type \'(ArrayBuffer or ArrayBufferView)\'.');
  };
  internal.asBytes = asBytes;

  class TextDecoder {
    #encoding;
    #fatal;
    #ignoreBOM;
    #pending = new Uint8Array(0);
    #started = false;
    constructor(label = 'utf-8', options = {}) {
      const encoding = encodingLabels.get(String(label).trim().toLowerCase());
      if (encoding === undefined) throw new RangeError(`TextDecoder: the encoding '${label}' is not supported (utf-8, utf-16le, utf-16be and windows-1252 are).`);
      this.#encoding = encoding;
      this.#fatal = Boolean(options?.fatal);
      this.#ignoreBOM = Boolean(options?.ignoreBOM);
    }
    get encoding() { return this.#encoding; }
    get fatal() { return this.#fatal; }
    get ignoreBOM() { return this.#ignoreBOM; }
    decode(input, options = {}) {
      let bytes = asBytes(input);
      if (this.#pending.length > 0) {
        const joined = new Uint8Array(this.#pending.length + bytes.length);
        joined.set(this.#pending);
        joined.set(bytes, this.#pending.length);
        bytes = joined;
        this.#pending = new Uint8Array(0);
      }
      const stream = Boolean(options?.stream);
      if (stream) {
        const tail = this.#encoding === 'utf-8' ? incompleteTail(bytes) : this.#encoding === 'windows-1252' ? 0 : bytes.length % 2;
        if (tail > 0) {
          this.#pending = bytes.slice(bytes.length - tail);
          bytes = bytes.subarray(0, bytes.length - tail);
        }
      }
      const skipBOM = !this.#ignoreBOM && !this.#started;
      this.#started = stream;
      return this.#encoding === 'utf-8' ? host.utf8Decode(bytes, this.#fatal, skipBOM) : host.decode(this.#encoding, bytes, this.#fatal, skipBOM);
    }
  }
  define('TextEncoder', TextEncoder);
  define('TextDecoder', TextDecoder);

  define('atob', function atob(data) {
    if (arguments.length === 0) throw new TypeError('atob: 1 argument required.');
    const result = host.atob(String(data));
    if (result === null) throw new DOMException('The string to be decoded is not correctly encoded.', 'InvalidCharacterError');
    return result;
  });
  define('btoa', function btoa(data) {
    if (arguments.length === 0) throw new TypeError('btoa: 1 argument required.');
    const result = host.btoa(String(data));
    if (result === null) throw new DOMException('The string to be encoded contains characters outside of the Latin1 range.', 'InvalidCharacterError');
    return result;
  });

  // ---- console ----
  const inspect = (value, seen = new Set()) => {
    switch (typeof value) {
      case 'string': return JSON.stringify(value);
      case 'undefined': return 'undefined';
      case 'function': return `[Function: ${value.name || '(anonymous)'}]`;
      case 'symbol': return value.toString();
      case 'bigint': return `${value}n`;
      case 'object': break;
      default: return String(value);
    }
    if (value === null) return 'null';
    if (value instanceof Error) return value.stack && value.stack.includes(value.message) ? value.stack : `${value.name}: ${value.message}${value.stack ? '\n' + value.stack : ''}`;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    try {
      if (Array.isArray(value)) return `[ ${value.map(v => inspect(v, seen)).join(', ')} ]`;
      if (value instanceof Map) return `Map(${value.size}) { ${[...value].map(([k, v]) => `${inspect(k, seen)} => ${inspect(v, seen)}`).join(', ')} }`;
      if (value instanceof Set) return `Set(${value.size}) { ${[...value].map(v => inspect(v, seen)).join(', ')} }`;
      if (value instanceof Date) return value.toISOString();
      if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.length}) [ ${Array.from(value).join(', ')} ]`;
      const name = value.constructor && value.constructor !== Object ? value.constructor.name + ' ' : '';
      const entries = Object.keys(value).map(k => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k)}: ${inspect(value[k], seen)}`);
      return entries.length === 0 ? `${name}{}` : `${name}{ ${entries.join(', ')} }`;
    } finally {
      seen.delete(value);
    }
  };
  internal.inspect = inspect;
  const format = (args) => args.map(a => (typeof a === 'string' ? a : inspect(a))).join(' ');
  // C# functions: a line of one string, as most are, goes to the log without a JavaScript call (no
  // rest-parameter array, no function environment); anything else is formatted here.
  const log = (level, name) => host.consoleMethod(level, name, format);
  const counts = new Map();
  const timersByLabel = new Map();
  const console = {
    log: log(2, 'log'), info: log(2, 'info'), debug: log(1, 'debug'), trace: log(0, 'trace'), warn: log(3, 'warn'), error: log(4, 'error'),
    assert(condition, ...args) { if (!condition) host.log(4, 'Assertion failed' + (args.length ? ': ' + format(args) : '')); },
    count(label = 'default') { const n = (counts.get(label) ?? 0) + 1; counts.set(label, n); host.log(2, `${label}: ${n}`); },
    countReset(label = 'default') { counts.delete(label); },
    time(label = 'default') { timersByLabel.set(label, Date.now()); },
    timeEnd(label = 'default') { const t = timersByLabel.get(label); timersByLabel.delete(label); if (t !== undefined) host.log(2, `${label}: ${Date.now() - t}ms`); },
    timeLog(label = 'default', ...args) { const t = timersByLabel.get(label); if (t !== undefined) host.log(2, `${label}: ${Date.now() - t}ms${args.length ? ' ' + format(args) : ''}`); },
    table(data) { host.log(2, inspect(data)); },
    dir(data) { host.log(2, inspect(data)); },
    group() {}, groupCollapsed() {}, groupEnd() {},
  };
  define('console', console);

  // ---- timers ----
  const timers = new Map();
  let nextTimer = 1;
  const startTimer = (callback, delay, args, repeat) => {
    if (typeof callback !== 'function') throw new TypeError('The callback provided as parameter 1 is not a function.');
    const ms = Math.max(0, Number(delay) || 0);
    const id = nextTimer++;
    timers.set(id, { callback, args, repeat: repeat ? ms : -1 });
    host.setTimer(id, ms);
    return id;
  };
  const stopTimer = (id) => {
    if (timers.delete(Number(id))) host.clearTimer(Number(id));
  };
  internal.fireTimer = (id) => {
    const timer = timers.get(id);
    if (timer === undefined) return;
    if (timer.repeat < 0) timers.delete(id);
    else host.setTimer(id, timer.repeat);
    timer.callback(...timer.args);
  };
  define('setTimeout', (callback, delay = 0, ...args) => startTimer(callback, delay, args, false));
  define('setInterval', (callback, delay = 0, ...args) => startTimer(callback, delay, args, true));
  define('clearTimeout', (id) => stopTimer(id));
  define('clearInterval', (id) => stopTimer(id));
  define('queueMicrotask', (callback) => {
    if (typeof callback !== 'function') throw new TypeError('queueMicrotask: the callback is not a function.');
    Promise.resolve().then(() => callback());
  });

  // ---- structuredClone ----
  const cloneValue = (value, memory) => {
    if (typeof value === 'function' || typeof value === 'symbol') {
      throw new DOMException(`${String(value)} could not be cloned.`, 'DataCloneError');
    }
    if (typeof value !== 'object' || value === null) return value;
    if (memory.has(value)) return memory.get(value);
    let copy;
    if (value instanceof Date) copy = new Date(value.getTime());
    else if (value instanceof RegExp) copy = new RegExp(value.source, value.flags);
    else if (value instanceof ArrayBuffer) copy = value.slice(0);
    else if (ArrayBuffer.isView(value)) {
      const buffer = cloneValue(value.buffer, memory);
      copy = value instanceof DataView
        ? new DataView(buffer, value.byteOffset, value.byteLength)
        : new value.constructor(buffer, value.byteOffset, value.length);
    } else if (value instanceof Map) {
      copy = new Map();
      memory.set(value, copy);
      for (const [k, v] of value) copy.set(cloneValue(k, memory), cloneValue(v, memory));
      return copy;
    } else if (value instanceof Set) {
      copy = new Set();
      memory.set(value, copy);
      for (const v of value) copy.add(cloneValue(v, memory));
      return copy;
    } else if (value instanceof Error) {
      const Ctor = { EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError }[value.name] ?? Error;
      copy = new Ctor(value.message);
      if (value.stack !== undefined) copy.stack = value.stack;
    } else if (value instanceof Boolean || value instanceof Number || value instanceof String) {
      copy = Object(value.valueOf());
    } else if (Array.isArray(value)) {
      copy = new Array(value.length);
      memory.set(value, copy);
      for (const key of Object.keys(value)) copy[key] = cloneValue(value[key], memory);
      return copy;
    } else {
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new DOMException(`${value.constructor?.name ?? 'Object'} object could not be cloned.`, 'DataCloneError');
      }
      copy = {};
      memory.set(value, copy);
      for (const key of Object.keys(value)) copy[key] = cloneValue(value[key], memory);
      return copy;
    }
    memory.set(value, copy);
    return copy;
  };
  define('structuredClone', function structuredClone(value, options) {
    if (arguments.length === 0) throw new TypeError('structuredClone: 1 argument required.');
    if (options?.transfer?.length) throw new DOMException('structuredClone: transfer is not supported.', 'DataCloneError');
    return cloneValue(value, new Map());
  });

  // ---- crypto ----
  const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
  const bytesOf = (data) => {
    const view = asBytes(data);
    return view.byteOffset === 0 && view.byteLength === view.buffer.byteLength ? view : view.slice();
  };
  const hashName = (algorithm) => {
    const name = String(typeof algorithm === 'object' && algorithm !== null ? algorithm.name : algorithm).toUpperCase();
    if (!['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512', 'MD5'].includes(name)) {
      throw new DOMException(`Unrecognized hash algorithm: ${name}`, 'NotSupportedError');
    }
    return name;
  };

  class CryptoKey {
    #type; #extractable; #algorithm; #usages; #secret;
    constructor(token, type, extractable, algorithm, usages, secret) {
      if (token !== internal) throw new TypeError('Illegal constructor');
      this.#type = type; this.#extractable = extractable; this.#algorithm = algorithm; this.#usages = usages; this.#secret = secret;
    }
    get type() { return this.#type; }
    get extractable() { return this.#extractable; }
    get algorithm() { return this.#algorithm; }
    get usages() { return this.#usages.slice(); }
    static secretOf(key, usage) {
      if (!(key instanceof CryptoKey)) throw new TypeError('The key is not a CryptoKey.');
      if (!key.#usages.includes(usage)) throw new DOMException(`The key does not allow '${usage}'.`, 'InvalidAccessError');
      return key.#secret;
    }
  }

  const subtle = {
    async digest(algorithm, data) {
      return host.digest(hashName(algorithm), bytesOf(data)).buffer;
    },
    async importKey(format, keyData, algorithm, extractable, usages) {
      const name = String(typeof algorithm === 'object' ? algorithm?.name : algorithm).toUpperCase();
      if (name !== 'HMAC') throw new DOMException(`importKey: only HMAC keys are supported so far, not ${name}.`, 'NotSupportedError');
      if (format !== 'raw') throw new DOMException(`importKey: only the 'raw' format is supported so far, not '${format}'.`, 'NotSupportedError');
      const hash = hashName(algorithm.hash);
      const secret = bytesOf(keyData).slice();
      for (const usage of usages) {
        if (usage !== 'sign' && usage !== 'verify') throw new SyntaxError(`importKey: HMAC keys cannot be used to '${usage}'.`);
      }
      return new CryptoKey(internal, 'secret', Boolean(extractable), { name: 'HMAC', hash: { name: hash }, length: secret.length * 8 }, [...usages], secret);
    },
    async sign(algorithm, key, data) {
      const secret = CryptoKey.secretOf(key, 'sign');
      return host.hmac(key.algorithm.hash.name, secret, bytesOf(data)).buffer;
    },
    async verify(algorithm, key, signature, data) {
      const secret = CryptoKey.secretOf(key, 'verify');
      return host.timingSafeEqual(host.hmac(key.algorithm.hash.name, secret, bytesOf(data)), bytesOf(signature));
    },
    timingSafeEqual(a, b) {
      const left = bytesOf(a);
      const right = bytesOf(b);
      if (left.byteLength !== right.byteLength) throw new TypeError('timingSafeEqual: the inputs must have the same length.');
      return host.timingSafeEqual(left, right);
    },
  };

  const crypto = {
    subtle,
    randomUUID() { return host.randomUUID(); },
    getRandomValues(array) {
      if (!integerArrays.some(T => array instanceof T)) {
        throw new DOMException('getRandomValues: the argument must be an integer typed array.', 'TypeMismatchError');
      }
      if (array.byteLength > 65536) {
        throw new DOMException(`getRandomValues: ${array.byteLength} bytes requested, at most 65536 allowed.`, 'QuotaExceededError');
      }
      new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(host.randomBytes(array.byteLength));
      return array;
    },
  };
  define('crypto', crypto);
  define('CryptoKey', CryptoKey);

  // ---- events and abort signals ----
  const noArgument = Symbol('noArgument');
  class Event {
    // One private state object: each private field is initialised separately in the interpreter, and an
    // event is made for every request (FetchEvent).
    #s;
    // No arguments object (the interpreter builds one for every call of a function that mentions it).
    constructor(type = noArgument, init = {}) {
      if (type === noArgument) throw new TypeError('Event: 1 argument required.');
      this.#s = { type: String(type), cancelable: Boolean(init?.cancelable), defaultPrevented: false, stopped: false, timeStamp: Date.now() };
    }
    get type() { return this.#s.type; }
    get cancelable() { return this.#s.cancelable; }
    get defaultPrevented() { return this.#s.defaultPrevented; }
    get timeStamp() { return this.#s.timeStamp; }
    preventDefault() { if (this.#s.cancelable) this.#s.defaultPrevented = true; }
    stopImmediatePropagation() { this.#s.stopped = true; }
    stopPropagation() {}
    // A FetchEvent is a C# object (without #s): the host answers for it.
    static isStopped(event) { return #s in event ? event.#s.stopped : internal.isStopped(event); }
  }

  class EventTarget {
    #listeners = new Map();
    addEventListener(type, listener, options) {
      if (listener == null) return;
      const list = this.#listeners.get(String(type)) ?? [];
      if (!list.some(l => l.listener === listener)) list.push({ listener, once: Boolean(options?.once) });
      this.#listeners.set(String(type), list);
    }
    removeEventListener(type, listener) {
      const list = this.#listeners.get(String(type));
      if (list) this.#listeners.set(String(type), list.filter(l => l.listener !== listener));
    }
    dispatchEvent(event) {
      if (!(event instanceof Event)) throw new TypeError('dispatchEvent: the argument is not an Event.');
      const handler = this['on' + event.type];
      const list = [...(this.#listeners.get(event.type) ?? [])];
      if (typeof handler === 'function') list.unshift({ listener: handler, once: false });
      for (const entry of list) {
        if (entry.once) this.removeEventListener(event.type, entry.listener);
        if (typeof entry.listener === 'function') entry.listener.call(this, event);
        else entry.listener.handleEvent(event);
        if (Event.isStopped(event)) break;
      }
      return !event.defaultPrevented;
    }
  }

  class AbortSignal extends EventTarget {
    #aborted = false;
    #reason = undefined;
    onabort = null;
    constructor(token) {
      super();
      if (token !== internal) throw new TypeError('Illegal constructor');
    }
    get aborted() { return this.#aborted; }
    get reason() { return this.#reason; }
    throwIfAborted() { if (this.#aborted) throw this.#reason; }
    static abort(reason) {
      const signal = new AbortSignal(internal);
      AbortSignal.signal(signal, reason);
      return signal;
    }
    static timeout(ms) {
      const signal = new AbortSignal(internal);
      setTimeout(() => AbortSignal.signal(signal, new DOMException('The operation timed out.', 'TimeoutError')), ms);
      return signal;
    }
    static any(signals) {
      const signal = new AbortSignal(internal);
      for (const s of signals) {
        if (s.aborted) { AbortSignal.signal(signal, s.reason); return signal; }
        s.addEventListener('abort', () => AbortSignal.signal(signal, s.reason), { once: true });
      }
      return signal;
    }
    static signal(signal, reason) {
      if (signal.#aborted) return;
      signal.#aborted = true;
      signal.#reason = reason === undefined ? new DOMException('This operation was aborted', 'AbortError') : reason;
      signal.dispatchEvent(new Event('abort'));
    }
  }

  class AbortController {
    #signal = new AbortSignal(internal);
    get signal() { return this.#signal; }
    abort(reason) { AbortSignal.signal(this.#signal, reason); }
  }

  define('Event', Event);
  define('EventTarget', EventTarget);
  define('AbortSignal', AbortSignal);
  define('AbortController', AbortController);
  define('self', globalThis);
  define('navigator', Object.freeze({ userAgent: 'Cloudflare-Workers', language: 'en' }));
  internal.Event = Event;
});
