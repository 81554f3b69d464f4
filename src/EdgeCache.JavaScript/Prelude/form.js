// Blob, File and FormData (the File API and the XMLHttpRequest Standard's FormData), and the
// multipart/form-data encoding fetch.js uses for bodies. Parsing a multipart body is C# (host.parseMultipart,
// over ASP.NET Core's MultipartReader); building one is here. Blob, File and FormData have no Symbol.toStringTag,
// as on workerd (Object.prototype.toString gives [object Object] there).
(function (host, internal) {
  'use strict';

  const define = (name, value) =>
    Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });

  // A Blob's type: lower-cased, or empty when it has a character outside U+0020 to U+007E.
  const normalizeType = (type) => {
    const text = type === undefined ? '' : String(type);
    return /^[\x20-\x7e]*$/.test(text) ? text.toLowerCase() : '';
  };

  const partBytes = (part) => {
    if (part instanceof Blob) return Blob.bytesOf(part);
    if (part instanceof ArrayBuffer) return new Uint8Array(part.slice(0));
    if (ArrayBuffer.isView(part)) return new Uint8Array(part.buffer.slice(part.byteOffset, part.byteOffset + part.byteLength));
    return host.utf8Encode(String(part));
  };

  const concat = (chunks) => {
    if (chunks.length === 1) return chunks[0];
    let length = 0;
    for (const chunk of chunks) length += chunk.byteLength;
    const all = new Uint8Array(length);
    let offset = 0;
    for (const chunk of chunks) { all.set(chunk, offset); offset += chunk.byteLength; }
    return all;
  };

  class Blob {
    #bytes;
    #type;

    constructor(parts = undefined, options = undefined) {
      if (parts !== undefined && (parts === null || typeof parts[Symbol.iterator] !== 'function')) {
        throw new TypeError('Failed to construct \'Blob\': The provided value cannot be converted to a sequence.');
      }
      const chunks = [];
      if (parts !== undefined) for (const part of parts) chunks.push(partBytes(part));
      this.#bytes = chunks.length === 0 ? new Uint8Array(0) : concat(chunks);
      this.#type = normalizeType(options?.type);
    }

    get size() { return this.#bytes.byteLength; }
    get type() { return this.#type; }

    slice(start = 0, end = undefined, contentType = undefined) {
      const size = this.#bytes.byteLength;
      const clamp = (value) => {
        const n = Math.trunc(Number(value)) || 0;
        return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
      };
      const from = clamp(start);
      const to = end === undefined ? size : clamp(end);
      const blob = new Blob([], { type: contentType });
      blob.#bytes = this.#bytes.slice(from, Math.max(from, to));
      return blob;
    }

    async text() { return host.utf8Decode(this.#bytes, false, true); }
    async arrayBuffer() { return this.#bytes.slice().buffer; }
    async bytes() { return this.#bytes.slice(); }

    stream() {
      const bytes = this.#bytes;
      return new ReadableStream({
        pull(controller) {
          if (bytes.byteLength > 0) controller.enqueue(bytes.slice());
          controller.close();
        },
      });
    }

    // The bytes themselves (not a copy): for bodies made from a Blob and for File.
    static bytesOf(blob) { return blob.#bytes; }
  }

  class File extends Blob {
    #name;
    #lastModified;

    constructor(bits, name, options = undefined) {
      if (arguments.length < 2) throw new TypeError(`Failed to construct 'File': 2 arguments required, but only ${arguments.length} present.`);
      super(bits, options);
      this.#name = String(name);
      this.#lastModified = options?.lastModified === undefined ? Date.now() : Number(options.lastModified);
    }

    get name() { return this.#name; }
    get lastModified() { return this.#lastModified; }
  }

  // The entry value FormData stores: a string, or a File (a Blob becomes a File named "blob").
  const entryValue = (value, filename) => {
    if (value instanceof Blob) {
      if (value instanceof File && filename === undefined) return value;
      return new File([value], filename !== undefined ? String(filename) : value instanceof File ? value.name : 'blob', { type: value.type, lastModified: value instanceof File ? value.lastModified : undefined });
    }
    return String(value);
  };

  class FormData {
    #entries = [];

    constructor(form = undefined) {
      if (form !== undefined) throw new TypeError('Failed to construct \'FormData\': there is no HTML form element in a worker.');
    }

    append(name, value, filename = undefined) {
      this.#entries.push([String(name), entryValue(value, filename)]);
    }

    set(name, value, filename = undefined) {
      const key = String(name);
      const entry = [key, entryValue(value, filename)];
      const first = this.#entries.findIndex(e => e[0] === key);
      if (first < 0) {
        this.#entries.push(entry);
        return;
      }
      this.#entries = this.#entries.filter((e, i) => i === first || e[0] !== key);
      this.#entries[first] = entry;
    }

    get(name) {
      const key = String(name);
      const entry = this.#entries.find(e => e[0] === key);
      return entry === undefined ? null : entry[1];
    }

    getAll(name) {
      const key = String(name);
      return this.#entries.filter(e => e[0] === key).map(e => e[1]);
    }

    has(name) {
      const key = String(name);
      return this.#entries.some(e => e[0] === key);
    }

    delete(name) {
      const key = String(name);
      this.#entries = this.#entries.filter(e => e[0] !== key);
    }

    forEach(callback, thisArg = undefined) {
      for (const [name, value] of this.#entries.slice()) callback.call(thisArg, value, name, this);
    }

    entries() { return this.#entries.map(e => [e[0], e[1]]).values(); }
    keys() { return this.#entries.map(e => e[0]).values(); }
    values() { return this.#entries.map(e => e[1]).values(); }
    [Symbol.iterator]() { return this.entries(); }

    static entriesOf(form) { return form.#entries; }
  }

  // The HTML Standard's multipart/form-data encoding: names and file names escape LF, CR and '"'. Values are
  // sent as they are (workerd does not turn their line breaks into CRLF, as a browser's form would).
  const escapeName = (name) => name.replace(/\n/g, '%0A').replace(/\r/g, '%0D').replace(/"/g, '%22');

  internal.encodeFormData = (form) => {
    const boundary = '----EdgeCacheFormBoundary' + host.randomUUID().replace(/-/g, '');
    const chunks = [];
    for (const [name, value] of FormData.entriesOf(form)) {
      let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name)}"`;
      if (value instanceof File) {
        head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || 'application/octet-stream'}\r\n\r\n`;
        chunks.push(host.utf8Encode(head), Blob.bytesOf(value), host.utf8Encode('\r\n'));
      } else {
        chunks.push(host.utf8Encode(`${head}\r\n\r\n${value}\r\n`));
      }
    }
    chunks.push(host.utf8Encode(`--${boundary}--\r\n`));
    return [concat(chunks), `multipart/form-data; boundary=${boundary}`];
  };

  // A FormData from a body: application/x-www-form-urlencoded, or multipart/form-data (parsed in C#).
  internal.decodeFormData = (contentType, bytes) => {
    const form = new FormData();
    const essence = contentType.split(';')[0].trim().toLowerCase();
    if (essence === 'application/x-www-form-urlencoded') {
      for (const [name, value] of new URLSearchParams(host.utf8Decode(bytes, false, true))) form.append(name, value);
      return form;
    }
    if (essence === 'multipart/form-data') {
      const parts = host.parseMultipart(contentType, bytes);
      for (const [name, filename, type, data] of parts) {
        if (filename === null) form.append(name, host.utf8Decode(data, false, true));
        else form.append(name, new File([data], filename, { type: type ?? '' }));
      }
      return form;
    }
    throw new TypeError('Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded.');
  };

  define('Blob', Blob);
  define('File', File);
  define('FormData', FormData);
  internal.Blob = Blob;
});
