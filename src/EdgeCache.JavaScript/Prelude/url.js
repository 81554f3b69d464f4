// The URL global: a C# constructor (WorkerRuntime.Url.cs) over whatwg-url's implementation (vendor.js). A plain
// absolute http(s) URL that is already in its WHATWG serialisation (lower-case scheme and host, no user info, no
// dot segments, nothing to percent-encode, no default port) is split in C# (PlainUrl.cs) and answered from its
// parts; anything else, and every setter, goes through whatwg-url, which costs about half a millisecond per parse
// in the interpreter. The fast path must give exactly what whatwg-url gives: UrlParsingTests compares the two,
// with Node's URL as the oracle, over generated adversarial inputs. Here: the members that stay JavaScript.
(function (host, internal) {
  'use strict';

  const WhatwgURL = globalThis.URL;

  class URLMembers {
    toJSON() { return this.href; }
    get [Symbol.toStringTag]() { return 'URL'; }
  }

  // The constructor, the getters and setters and toString are C# functions (URLMembers.prototype becomes URL.prototype).
  const URL = host.urlInstall(WhatwgURL, URLMembers.prototype);

  class URLStatics {
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
  }
  for (const name of ['canParse', 'parse']) {
    Object.defineProperty(URL, name, Object.getOwnPropertyDescriptor(URLStatics, name));
  }

  Object.defineProperty(globalThis, 'URL', { value: URL, writable: true, configurable: true, enumerable: false });
});
