using System.Security.Cryptography;
using EdgeCache.AspNetCore;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;
using Microsoft.Extensions.Logging;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>The host functions the prelude calls (the <c>host</c> object of web.js and fetch.js).</summary>
internal sealed partial class WorkerRuntime
{
    private JsObject CreateHostApi()
    {
        var host = new JsObject(_engine);
        void Add(string name, Func<JsValue[], JsValue> function)
            => host.Set(name, new ClrFunction(_engine, name, (_, args) => function(args)));

        // Encoding, crypto, console, timers.
        Add("utf8Encode", a => _engine.Intrinsics.Uint8Array.Construct(TextCodec.EncodeUtf8(a[0].AsString())));
        Add("utf8Decode", a => TextCodec.DecodeUtf8(a[0].AsUint8Array(), a[1].AsBoolean(), a[2].AsBoolean()) is { } text
            ? new JsString(text)
            : throw TypeError("The encoded data was not valid for encoding utf-8."));
        Add("decode", a => TextCodec.Decode(a[0].AsString(), a[1].AsUint8Array(), a[2].AsBoolean(), a[3].AsBoolean()) is { } text
            ? new JsString(text)
            : throw TypeError($"The encoded data was not valid for encoding {a[0].AsString()}."));
        Add("atob", a => TextCodec.FromBase64(a[0].AsString()) is { } text ? new JsString(text) : JsValue.Null);
        Add("btoa", a => TextCodec.ToBase64(a[0].AsString()) is { } text ? new JsString(text) : JsValue.Null);
        Add("randomUUID", _ => new JsString(Guid.NewGuid().ToString()));
        Add("randomBytes", a => _engine.Intrinsics.Uint8Array.Construct(RandomNumberGenerator.GetBytes((int)a[0].AsNumber())));
        Add("digest", a => _engine.Intrinsics.Uint8Array.Construct(Digest(a[0].AsString(), a[1].AsUint8Array())));
        Add("hmac", a => _engine.Intrinsics.Uint8Array.Construct(Hmac(a[0].AsString(), a[1].AsUint8Array(), a[2].AsUint8Array())));
        Add("timingSafeEqual", a => CryptographicOperations.FixedTimeEquals(a[0].AsUint8Array(), a[1].AsUint8Array()) ? JsBoolean.True : JsBoolean.False);
        Add("log", a =>
        {
            _console.Write((LogLevel)(int)a[0].AsNumber(), a[1].AsString());
            return JsValue.Undefined;
        });
        Add("consoleMethod", a => ConsoleMethod((LogLevel)(int)a[0].AsNumber(), a[1].AsString(), a[2]));
        Add("setTimer", a => SetTimer((int)a[0].AsNumber(), a[1].AsNumber()));
        Add("clearTimer", a =>
        {
            if (_timers.Remove((int)a[0].AsNumber(), out var timer))
            {
                timer.Timer.Dispose();
            }

            return JsValue.Undefined;
        });

        // Headers (a fetch.js Headers object is a HeaderList).
        Add("headersInstall", a =>
        {
            InstallHeaders(a[0].AsObject());
            return JsValue.Undefined;
        });
        Add("headersNew", a => new HeaderList(_engine, a[0] as ObjectInstance ?? _headersPrototype));
        Add("headersCopy", a => List(a[0]).Copy(a[1] as ObjectInstance ?? _headersPrototype));
        Add("headersAppend", a =>
        {
            List(a[0]).Append(a[1], a[2]);
            return JsValue.Undefined;
        });
        Add("headersName", a => new JsString(List(a[0]).NormalizeName(a[1])));
        Add("headersSetCookie", a => List(a[0]).GetSetCookie());
        Add("headersEntries", a => List(a[0]).Entries());
        Add("headersFreeze", a =>
        {
            List(a[0]).Immutable = true;
            return JsValue.Undefined;
        });

        // Request and Response (WebMessage).
        AddUrlFunctions(Add);
        AddMessageFunctions(Add);
        AddEventFunctions(Add);
        AddCacheFunctions(Add);

        // Bodies.
        Add("parseMultipart", a =>
        {
            try
            {
                return MultipartForm.Parse(_engine, a[0].AsString(), a[1].AsUint8Array());
            }
            catch (FormatException ex)
            {
                throw TypeError(ex.Message);
            }
        });
        Add("readChunk", a => Promise(Body(a[0]).ReadChunkAsync(_stopping.Token), chunk => chunk is null ? JsValue.Null : _engine.Intrinsics.Uint8Array.Construct(chunk)));
        Add("readBytes", a => Promise(Body(a[0]).ReadAllAsync(_options.MaxBufferedBodySize, _stopping.Token), bytes => _engine.Intrinsics.Uint8Array.Construct(bytes)));
        Add("readText", a => Promise(Body(a[0]).ReadTextAsync(_options.MaxBufferedBodySize, _stopping.Token), text => new JsString(text)));
        Add("tee", a => Wrap(Body(a[0]).Tee(), _current));
        Add("cancelBody", a =>
        {
            MessageConversion.AsHostBody(a[0])?.Release();
            return JsValue.Undefined;
        });

        // Fetch and the Cache API.
        Add("fetch", Fetch);
        Add("cacheMatch", CacheMatch);
        Add("cachePut", CachePut);
        Add("cacheDelete", CacheDelete);

        // The worker model.
        Add("respond", Respond);
        Add("fail", Fail);
        Add("forward", a =>
        {
            if (_requests.TryGetValue((int)a[0].AsNumber(), out var state))
            {
                _ = ForwardAsync(state);
            }

            return JsValue.Undefined;
        });
        Add("passThroughOnException", a =>
        {
            if (_requests.TryGetValue((int)a[0].AsNumber(), out var state))
            {
                state.Event.PassThroughOnException();
            }

            return JsValue.Undefined;
        });
        Add("chunk", Chunk);
        Add("waitUntilStart", WaitUntilStart);
        Add("waitUntilEnd", WaitUntilEnd);
        return host;
    }

    // console.log and its kin: a line of one string is logged as it is; other arguments go through the
    // prelude's format (args) first. Jint may reuse the arguments array, so the one handed on is a copy.
    private ClrFunction ConsoleMethod(LogLevel level, string name, JsValue format)
        => new(_engine, name, (_, args) =>
        {
            var line = args.Length == 1 && args[0].IsString()
                ? args[0].AsString()
                : _engine.Call(format, JsValue.Undefined, [new JsArray(_engine, args.ToArray())]).AsString();
            _console.Write(level, line);
            return JsValue.Undefined;
        });

    private HttpContent StreamContent(JsValue reader) => new JavaScriptStreamContent(this, reader, _current);

    /// <summary>The next chunk of a JavaScript stream body, read on the loop; null at its end.</summary>
    internal Task<byte[]?> ReadJavaScriptChunkAsync(JsValue reader, RequestState? owner)
    {
        var read = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_loop.Post(() => RunTurn(owner, () =>
            {
                var token = ++_nextChunk;
                _chunkReads[token] = read;
                _engine.Call(_readChunk, JsValue.Undefined, [reader, token]);
            })))
        {
            read.TrySetException(new ObjectDisposedException(nameof(WorkerRuntime), "The worker is shutting down."));
        }

        return read.Task;
    }

    // chunk(token, bytes | null, error | null)
    private JsValue Chunk(JsValue[] a)
    {
        if (_chunkReads.Remove((int)a[0].AsNumber(), out var read))
        {
            if (a[2].IsString())
            {
                read.TrySetException(new JavaScriptWorkerException("The worker's stream failed: " + a[2].AsString()));
            }
            else
            {
                read.TrySetResult(a[1].IsNull() ? null : a[1].AsUint8Array());
            }
        }

        return JsValue.Undefined;
    }

    private HeaderList List(JsValue handle)
        => handle as HeaderList ?? throw TypeError("Illegal invocation: the object is not a Headers.");

    /// <summary>
    /// The methods of <c>Headers.prototype</c> that read or change the list, as C# functions: a call from a script
    /// is then one host call, with no JavaScript frame around it.
    /// </summary>
    private void InstallHeaders(ObjectInstance prototype)
    {
        _headersPrototype = prototype;
        void Method(string name, int length, Func<HeaderList, JsValue, JsValue, JsValue> body)
            => prototype.DefineOwnProperty(name, new PropertyDescriptor(
                new ClrFunction(_engine, name, (self, a) => body(List(self), a.Length > 0 ? a[0] : JsValue.Undefined, a.Length > 1 ? a[1] : JsValue.Undefined), length),
                writable: true, enumerable: false, configurable: true));

        Method("append", 2, (list, name, value) =>
        {
            list.Append(name, value);
            return JsValue.Undefined;
        });
        Method("set", 2, (list, name, value) =>
        {
            list.SetField(name, value);
            return JsValue.Undefined;
        });
        Method("delete", 1, (list, name, _) =>
        {
            list.Remove(name);
            return JsValue.Undefined;
        });
        Method("get", 1, (list, name, _) => list.GetCombined(name));
        Method("has", 1, (list, name, _) => list.Has(name) ? JsBoolean.True : JsBoolean.False);
        Method("getSetCookie", 0, (list, _, _) => list.GetSetCookie());
    }

    private HostBody Body(JsValue handle)
        => MessageConversion.AsHostBody(handle) ?? throw TypeError("The body handle is not valid.");

    private JsValue SetTimer(int id, double milliseconds)
    {
        if (_timers.Remove(id, out var previous))
        {
            previous.Timer.Dispose();
        }

        var delay = TimeSpan.FromMilliseconds(Math.Min(milliseconds, int.MaxValue));
        var due = _time.GetTimestamp() + (long)(delay.TotalSeconds * _time.TimestampFrequency);
        var timer = _time.CreateTimer(_ => _loop.Post(() => RunDueTimers(id)), null, delay, Timeout.InfiniteTimeSpan);
        _timers[id] = (timer, due, _current);
        return JsValue.Undefined;
    }

    /// <summary>
    /// Runs the timer that fired and every other one already due, earliest first (then in the order they were
    /// set), as HTML's timers do: thread-pool timer callbacks can arrive out of order on a busy machine.
    /// </summary>
    private void RunDueTimers(int fired)
    {
        if (!_timers.TryGetValue(fired, out var entry))
        {
            return;
        }

        var limit = Math.Max(_time.GetTimestamp(), entry.Due);
        var due = _timers.Where(t => t.Value.Due <= limit).OrderBy(t => t.Value.Due).ThenBy(t => t.Key).Select(t => t.Key).ToArray();
        foreach (var id in due)
        {
            if (_timers.Remove(id, out var timer))
            {
                timer.Timer.Dispose();
                RunTurn(timer.Owner, () => _engine.Call(_fireTimer, JsValue.Undefined, [id]));
            }
        }
    }

    // fetch(method, url, flatHeaders, bodyKind, body, cf)
    private JsValue Fetch(JsValue[] a)
    {
        var owner = _current ?? throw TypeError("fetch() can only be called while a request is being handled (not at the top level of the script).");
        HttpRequestMessage request;
        CacheFetchOptions? cf;
        try
        {
            request = MessageConversion.ToRequest(a[0].AsString(), a[1].AsString(), List(a[2]), (int)a[3].AsNumber(), a[4], StreamContent, owner.Event.Request.RequestUri);
            cf = CacheOptions(a[5]);
            cf?.Validate();
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
        {
            throw TypeError(ex.Message);
        }

        var url = a[1].AsString();
        var exchange = cf is null || cf.IsEmpty
            ? owner.Event.FetchAsync(request, _stopping.Token)
            : owner.Event.FetchAsync(request, cf, _stopping.Token);
        return Promise(exchange, response => ToJs(response, url, immutable: true));
    }

    // The cf options as fetch.js flattens them: [cacheTtl, cacheEverything, cacheKey, cacheTtlByStatus (flat), cacheTags].
    private static CacheFetchOptions? CacheOptions(JsValue value)
    {
        if (!value.IsArray())
        {
            return null;
        }

        var cf = value.AsArray();
        Dictionary<string, int>? byStatus = null;
        if (cf[3].IsArray())
        {
            var flat = cf[3].AsArray();
            byStatus = [];
            for (uint i = 0; i + 1 < flat.Length; i += 2)
            {
                byStatus[flat[i].AsString()] = (int)flat[i + 1].AsNumber();
            }
        }

        return new CacheFetchOptions
        {
            CacheTtl = cf[0].IsNumber() ? TimeSpan.FromSeconds(cf[0].AsNumber()) : null,
            CacheEverything = cf[1].AsBoolean(),
            CacheKey = cf[2].IsString() ? cf[2].AsString() : null,
            CacheTtlByStatus = byStatus,
            CacheTags = cf[4].IsArray() ? cf[4].AsArray().Select(t => t.AsString()).ToArray() : null,
        };
    }

    private JsValue ToJs(HttpResponseMessage response, string url, bool immutable)
    {
        // A 101, 204, 205 or 304 has a null body in the Fetch Standard (so new Response(r.body, r) works).
        var nullBody = response.Content is null || (int)response.StatusCode is 101 or 204 or 205 or 304;
        if (nullBody)
        {
            response.Content?.Dispose();
        }

        var hostBody = nullBody ? null : new HostBody(response.Content!);
        var headers = immutable ? HeaderList.FromResponse(_engine, _headersPrototype, response) : HeaderList.FromHttp(_engine, _headersPrototype, response.Headers, response.Content, immutable: false);
        if (hostBody is not null)
        {
            hostBody.Headers = headers;
        }

        return HostResponse((int)response.StatusCode, response.ReasonPhrase ?? string.Empty, headers, hostBody is null ? JsValue.Null : Wrap(hostBody, _current), url);
    }

    // respond(id, status, statusText, flatHeaders, bodyKind, body)
    private JsValue Respond(JsValue[] a)
    {
        if (!_requests.TryGetValue((int)a[0].AsNumber(), out var state))
        {
            return JsValue.Undefined;
        }

        HttpResponseMessage response;
        try
        {
            response = MessageConversion.ToResponse((int)a[1].AsNumber(), a[2].AsString(), List(a[3]), (int)a[4].AsNumber(), a[5], StreamContent);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            state.Completion.TrySetException(new JavaScriptWorkerException("The worker's response could not be sent: " + ex.Message, ex));
            return JsValue.Undefined;
        }

        if (!state.Completion.TrySetResult(response))
        {
            response.Dispose();
        }

        return JsValue.Undefined;
    }

    // fail(id, description, error)
    private JsValue Fail(JsValue[] a)
    {
        // The failure is logged (here or by the host): the console lines before it come first.
        _console.Flush();
        if (!_requests.TryGetValue((int)a[0].AsNumber(), out var state))
        {
            Log.Uncaught(_logger, a[1].AsString());
            return JsValue.Undefined;
        }

        var description = a[1].AsString();

        // An origin that could not be reached stays a gateway error (502/504), as in MapWorker's C# handlers.
        Exception failure = a.Length > 2 && a[2] is Jint.Native.Object.ObjectInstance error && _hostErrors.TryGetValue(error, out var cause)
            ? cause switch
            {
                HttpRequestException => new HttpRequestException(description, cause),
                TimeoutException => new TimeoutException(description, cause),
                _ => new JavaScriptWorkerException(description, cause),
            }
            : new JavaScriptWorkerException(description);
        state.Completion.TrySetException(failure);
        return JsValue.Undefined;
    }

    private async Task ForwardAsync(RequestState state)
    {
        try
        {
            state.Completion.TrySetResult(await state.Event.FetchAsync(state.Event.Request, _stopping.Token).ConfigureAwait(false));
        }
        catch (Exception ex)
        {
            state.Completion.TrySetException(ex);
        }
    }

    private JsValue WaitUntilStart(JsValue[] a)
    {
        if (!_requests.TryGetValue((int)a[0].AsNumber(), out var state))
        {
            return JsValue.FromObject(_engine, 0);
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        state.Event.WaitUntil(done.Task);
        state.PendingWork++;
        var token = ++_nextWait;

        // A promise that never settles would keep its request (and its bodies) forever: Workers stops
        // waitUntil work 30 s after the response; so do we, by WaitUntilTimeout.
        var expiry = _time.CreateTimer(_ => _loop.Post(() => EndWait(token, "waitUntil work did not settle within " + _options.WaitUntilTimeout + "; it was abandoned.")), null, _options.WaitUntilTimeout, Timeout.InfiniteTimeSpan);
        _waits[token] = (done, state, expiry);
        return JsValue.FromObject(_engine, token);
    }

    private JsValue WaitUntilEnd(JsValue[] a)
    {
        EndWait((int)a[0].AsNumber(), a[1].IsString() ? a[1].AsString() : null);
        return JsValue.Undefined;
    }

    private void EndWait(int token, string? error)
    {
        if (!_waits.Remove(token, out var wait))
        {
            return;
        }

        wait.Expiry.Dispose();
        if (error is not null)
        {
            wait.Done.TrySetException(new JavaScriptWorkerException(error));
        }
        else
        {
            wait.Done.TrySetResult();
        }

        wait.Owner.PendingWork--;
        Retire(wait.Owner);
    }

    private static byte[] Digest(string algorithm, byte[] data) => algorithm switch
    {
        "SHA-1" => SHA1.HashData(data),
        "SHA-256" => SHA256.HashData(data),
        "SHA-384" => SHA384.HashData(data),
        "SHA-512" => SHA512.HashData(data),
        "MD5" => MD5.HashData(data),
        _ => throw new ArgumentException($"Unrecognized hash algorithm: {algorithm}"),
    };

    private static byte[] Hmac(string algorithm, byte[] key, byte[] data) => algorithm switch
    {
        "SHA-1" => HMACSHA1.HashData(key, data),
        "SHA-256" => HMACSHA256.HashData(key, data),
        "SHA-384" => HMACSHA384.HashData(key, data),
        "SHA-512" => HMACSHA512.HashData(key, data),
        "MD5" => HMACMD5.HashData(key, data),
        _ => throw new ArgumentException($"Unrecognized hash algorithm: {algorithm}"),
    };
}
