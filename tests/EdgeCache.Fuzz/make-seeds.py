#!/usr/bin/env python3
"""Writes the hand-made seed corpus (corpus/<target>/seed-*). Run once; AFL++ finds the rest.
Kept so the seeds can be regenerated and read; the files it writes are checked in."""
import os, struct

here = os.path.dirname(os.path.abspath(__file__))

def varint(n):
    out = bytearray()
    while n >= 0x80:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)

def s(text):
    b = text.encode()
    return varint(len(b)) + b

def metadata(key, url, host, status, headers, tags, invalidated=False, body=1024):
    t = 638000000000000000
    out = bytes([1, 1 if invalidated else 0]) + s(key) + s(url) + s(host) + varint(status)
    out += struct.pack("<qqqqqq", t, t + 10_000_000, 0, 600_000_000, t + 600_000_000, body)
    out += varint(len(headers)) + b"".join(s(k) + s(v) for k, v in headers)
    out += varint(len(tags)) + b"".join(s(x) for x in tags)
    return out

seeds = {
    "cache-control": ["max-age=60", "public, max-age=3600, s-maxage=60", "no-cache=\"Set-Cookie, X-A\", private=Set-Cookie",
                      "max-age=abc, no-store", "stale-while-revalidate=30, stale-if-error=86400\nmax-age=1",
                      "max-age=99999999999999999999", "max-stale, min-fresh=5, only-if-cached", "max-age=1, max-age=2"],
    "cdn-cache-control": ["max-age=60", "max-age=60, stale-while-revalidate=30;x=1", "no-store, private=?1",
                          "s-maxage=\"60\"", "a=:YWJj:, b=1.5, c=tok/en", "max-age=60,", "*x=?0, y=\"q\\\"\""],
    "range": [b"\x00\x04\x00\x00\x00\x00\x00\x00" + b"bytes=0-99", b"\x00\x04\x00\x00\x00\x00\x00\x00" + b"bytes=-500",
              b"\xe8\x03\x00\x00\x00\x00\x00\x00" + b"bytes=0-0,2-2,-1", b"\x00\x00\x00\x00\x00\x00\x00\x00" + b"bytes=0-",
              b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"bytes=5-1", b"\x10\x00\x00\x00\x00\x00\x00\x00" + b"items=0-1"],
    "etag": ["\"abc\"\n\"abc\"", "W/\"x\", \"y\"\n\"y\"", "*\nW/\"z\"", "\"a,b\"\n\"a,b\"", "\"\"\n\"\"", "\"x\"\nnot-an-etag"],
    "http-date": ["Sun, 06 Nov 1994 08:49:37 GMT", "Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                  "Mon, 29 Feb 2021 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "Sat, 01 Jan 0001 00:00:00 GMT"],
    "vary": ["Accept-Encoding\ngzip, br", "accept-encoding, Accept-Language, *\nEN-us ,  fr", "Cookie\na=1;  b=2",
             ",,X-A, x-a\n\t spaced  value\t", "Origin\nhttps://Example.COM"],
    "entry-metadata": [metadata("k", "http://example.com/a", "example.com", 200, [("content-type", "text/plain"), ("etag", "\"1\"")], ["t1"]),
                       metadata("http://é.example/ü", "http://é.example/ü", "é.example", 404, [], [], invalidated=True, body=-1),
                       metadata("", "", "", 0, [("a", "")] * 3, ["", "x"])],
    "purge-json": ["{\"files\": [\"https://example.com/a\", {\"url\": \"http://example.com/b\"}]}", "{\"tags\": [\"a\", \"b\"], \"soft\": true}",
                   "{\"prefixes\": [\"http://example.com/static/\"]}", "{\"hosts\": [\"Example.COM\"]}", "{\"purge_everything\": true}",
                   "{\"files\": [], \"tags\": [\"x\"]}", "[1, 2]", "{\"files\": [\"ftp://x/\"]}"],
    "rules": ["{\"Rules\": [{\"Name\": \"static\", \"Match\": {\"Path\": \"/static/**\", \"Extensions\": [\"css\"]}, \"Action\": {\"EdgeTtl\": \"2h\", \"Tags\": [\"s\"]}}]}",
              "{\"Rules\": [{\"Match\": {\"Host\": \"*.example.com\", \"Methods\": [\"GET\"]}, \"Action\": {\"Bypass\": true}}]}",
              "{\"Rules\": [{\"Action\": {\"EdgeTtlByStatus\": {\"200-299\": 3600, \"404\": -1}, \"BrowserTtl\": \"01:00:00\", \"OriginHeaders\": \"respect\"}}]}",
              "{\"Rules\": [{\"Action\": {\"CacheKey\": {\"IncludeQuery\": [\"id\"], \"SortQuery\": true, \"IgnoreCase\": true, \"Headers\": [\"Accept\"]}}}], \"CacheDefaultExtensionsOnly\": true}",
              "{\"Rules\": [{\"Match\": {\"Path\": \"no-slash\"}, \"Action\": {\"EdgeTtl\": \"soon\"}}]}"],
    "canonical-target": ["/a/b?c=d", "/a/./b/../c", "/%41%2f%2e%2E/%252e", "http://example.com?x=1", "https://h/p%zz%", "/a\\b\\..\\c",
                         "/caf\u00e9/\ud83d\ude00?q=\u00fc", "*", "/x#frag", "/.well-known/a", "//a//b/", "/a/%2e%2e"],
}

for target, items in seeds.items():
    folder = os.path.join(here, "corpus", target)
    os.makedirs(folder, exist_ok=True)
    for i, item in enumerate(items):
        data = item if isinstance(item, bytes) else item.encode("utf-8", "surrogatepass") if isinstance(item, str) else item
        with open(os.path.join(folder, f"seed-{i:02d}"), "wb") as f:
            f.write(data)
