using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// Requests and responses as C# objects (<see cref="WebMessage"/>): made by the prelude's constructors through
/// <c>host.requestNew</c> / <c>host.responseNew</c>, and by the host itself for the incoming request and for
/// what <c>fetch</c> and <c>cache.match</c> return, without a JavaScript call.
/// </summary>
internal sealed partial class WorkerRuntime
{
    private static readonly JsString Manual = new("manual");
    private static readonly JsString DefaultType = new("default");
    private static readonly JsValue HostKind = JsNumber.Create(MessageConversion.HostBodyKind);

    private static readonly JsString GetMethod = new("GET");
    private static readonly JsString Follow = new("follow");
    private static readonly JsString MethodKey = new("method");
    private static readonly JsString RedirectKey = new("redirect");
    private static readonly JsString HeadersKey = new("headers");
    private static readonly JsString SignalKey = new("signal");
    private static readonly JsString CfKey = new("cf");
    private static readonly JsString BodyKey = new("body");
    private static readonly string[] CanonicalMethods = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH"];

    private MessageSlots? _messageSlots;
    private JsValue _extractBody = JsValue.Undefined;
    private JsValue _takeBody = JsValue.Undefined;
    private ObjectInstance? _requestPrototype;
    private ObjectInstance? _responsePrototype;

    private void AddMessageFunctions(Action<string, Func<JsValue[], JsValue>> add)
    {
        add("messageSlots", a =>
        {
            var keys = a[0].AsArray();
            var symbols = new JsValue[keys.Length];
            for (uint i = 0; i < keys.Length; i++)
            {
                symbols[i] = keys[i];
            }

            _messageSlots = new MessageSlots(symbols);
            return JsValue.Undefined;
        });

        // requestNew(prototype, url, method, headers, redirect, signal, cf, bodySource)
        add("requestNew", a =>
        {
            var request = new WebMessage(_engine, Slots, a[0] as ObjectInstance ?? _requestPrototype!, isRequest: true);
            var slots = request.Slots;
            slots[MessageSlots.Url] = a[1];
            slots[MessageSlots.Method] = a[2];
            slots[MessageSlots.Headers] = a[3];
            slots[MessageSlots.Redirect] = a[4];
            slots[MessageSlots.Signal] = a[5];
            slots[MessageSlots.Cf] = a[6];
            slots[MessageSlots.Body] = a[7];
            return request;
        });

        // requestInstall(prototype): the Request constructor (the prelude's class only holds the other members).
        add("requestInstall", a => new HostConstructor(_engine, "Request", 1, a[0].AsObject(), (args, prototype) =>
            args.Length == 0 || args[0].IsUndefined()
                ? throw TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.")
                : RequestConstruct(prototype, args[0], args.Length > 1 ? args[1] : JsValue.Undefined)));

        // responseNew(prototype, status, statusText, headers, url, redirected, type, cf, bodySource)
        add("responseNew", a =>
        {
            var response = new WebMessage(_engine, Slots, a[0] as ObjectInstance ?? _responsePrototype!, isRequest: false);
            var slots = response.Slots;
            slots[MessageSlots.Status] = a[1];
            slots[MessageSlots.StatusText] = a[2];
            slots[MessageSlots.Headers] = a[3];
            slots[MessageSlots.Url] = a[4];
            slots[MessageSlots.Redirected] = a[5];
            slots[MessageSlots.Type] = a[6];
            slots[MessageSlots.Cf] = a[7];
            slots[MessageSlots.Body] = a[8];
            return response;
        });

        add("messageGetters", a =>
        {
            InstallMessageGetters(a[0].AsObject(), a[1].AsBoolean());
            return JsValue.Undefined;
        });
    }

    /// <summary>
    /// <c>new Request(input, init)</c>, the Fetch Standard's steps as fetch.js had them (the same order of reads
    /// of <paramref name="initValue"/>, the same errors), calling back into the prelude for a
    /// body to extract and for the body taken from <paramref name="input"/>.
    /// </summary>
    private WebMessage RequestConstruct(ObjectInstance prototype, JsValue input, JsValue initValue)
    {
        var init = initValue as ObjectInstance;
        var from = input as WebMessage is { IsRequest: true } request ? request : null;
        var url = from is not null ? from.Slots[MessageSlots.Url] : ParseUrl(input);
        var method = Read(init, MethodKey) is var m && !m.IsUndefined()
            ? NormalizeMethod(m)
            : from is not null ? from.Slots[MessageSlots.Method] : GetMethod;
        var redirect = Read(init, RedirectKey) is var r && !Nullish(r)
            ? r
            : from is not null && !Nullish(from.Slots[MessageSlots.Redirect]) ? from.Slots[MessageSlots.Redirect] : Follow;
        if (!(redirect is JsString && redirect.AsString() is "follow" or "manual" or "error"))
        {
            throw TypeError($"Invalid redirect value: '{TypeConverter.ToString(redirect)}'.");
        }

        var headersInit = Read(init, HeadersKey) is var h && !h.IsUndefined() ? h : from?.Slots[MessageSlots.Headers] ?? JsValue.Undefined;
        var headers = headersInit is HeaderList list ? list.Copy(_headersPrototype) : NewHeaders(headersInit);
        var signal = Read(init, SignalKey) is var s && !Nullish(s)
            ? s
            : from is not null && !Nullish(from.Slots[MessageSlots.Signal]) ? from.Slots[MessageSlots.Signal] : JsValue.Null;
        var cf = Read(init, CfKey) is var c && !c.IsUndefined() ? c : from?.Slots[MessageSlots.Cf] ?? JsValue.Undefined;
        var methodText = method.AsString();
        var bodyless = methodText is "GET" or "HEAD";
        var source = JsValue.Null;
        JsValue contentType = JsValue.Null;
        if (init is WebMessage { IsRequest: true } initRequest)
        {
            // new Request(url, request), as in the reference example's cache key: workerd leaves the request
            // given as init usable, so its body is shared here, not taken (whichever reads it first has it).
            source = bodyless ? JsValue.Null : initRequest.Slots[MessageSlots.Body];
        }
        else if (Read(init, BodyKey) is var body && !Nullish(body))
        {
            var extracted = _engine.Call(_extractBody, JsValue.Undefined, [body]).AsArray();
            source = extracted[0];
            contentType = extracted[1];
        }
        else if (body.IsUndefined() && from is not null && !from.Slots[MessageSlots.Body].IsNull())
        {
            source = _engine.Call(_takeBody, JsValue.Undefined, [from]);
        }

        if (!source.IsNull() && bodyless)
        {
            throw TypeError("Request with a GET or HEAD method cannot have a body.");
        }

        if (!contentType.IsNull() && !headers.Has(ContentTypeName))
        {
            headers.SetField(ContentTypeName, contentType);
        }

        var message = new WebMessage(_engine, Slots, prototype, isRequest: true);
        var slots = message.Slots;
        slots[MessageSlots.Url] = url;
        slots[MessageSlots.Method] = method;
        slots[MessageSlots.Headers] = headers;
        slots[MessageSlots.Redirect] = redirect;
        slots[MessageSlots.Signal] = signal;
        slots[MessageSlots.Cf] = cf;
        slots[MessageSlots.Body] = source;
        return message;
    }

    private static readonly JsString ContentTypeName = new("content-type");

    private static bool Nullish(JsValue value) => value.IsNull() || value.IsUndefined();

    // init.name of an init dictionary; nothing when there is none (new Request(url) or a primitive init).
    private static JsValue Read(ObjectInstance? init, JsString name) => init is null ? JsValue.Undefined : init.Get(name);

    private HeaderList NewHeaders(JsValue init)
        => _engine.Construct(_headersPrototype!.Get("constructor"), [init]) as HeaderList
            ?? throw TypeError("The Headers constructor did not make a Headers.");

    // The method as the Fetch Standard normalises it: the seven methods upper-cased, others as written.
    private JsString NormalizeMethod(JsValue value)
    {
        var text = TypeConverter.ToString(value);
        foreach (var canonical in CanonicalMethods)
        {
            if (string.Equals(text, canonical, StringComparison.Ordinal))
            {
                return value as JsString ?? new JsString(canonical);
            }
        }

        if (text.Length == 0 || !HeaderList.IsToken(text))
        {
            throw TypeError($"Invalid HTTP method: '{text}'.");
        }

        foreach (var canonical in CanonicalMethods)
        {
            if (string.Equals(text, canonical, StringComparison.OrdinalIgnoreCase))
            {
                return new JsString(canonical);
            }
        }

        if (text.Equals("connect", StringComparison.OrdinalIgnoreCase) || text.Equals("trace", StringComparison.OrdinalIgnoreCase)
            || text.Equals("track", StringComparison.OrdinalIgnoreCase))
        {
            throw TypeError($"Forbidden HTTP method: '{text}'.");
        }

        return new JsString(text);
    }

    private MessageSlots Slots => _messageSlots ?? throw new InvalidOperationException("The prelude did not hand over the message slots.");

    /// <summary>The request being handled, as the script gets it: immutable headers, the body a host body.</summary>
    private WebMessage IncomingRequest(HttpRequestMessage request, JsValue body, JsValue cf)
    {
        var message = new WebMessage(_engine, Slots, _requestPrototype!, isRequest: true);
        var slots = message.Slots;
        slots[MessageSlots.Url] = new JsString(request.RequestUri!.AbsoluteUri);
        slots[MessageSlots.Method] = new JsString(request.Method.Method);
        slots[MessageSlots.Headers] = HeaderList.FromHttp(_engine, _headersPrototype, request.Headers, request.Content, immutable: true);
        slots[MessageSlots.Redirect] = Manual;
        slots[MessageSlots.Signal] = JsValue.Null;
        slots[MessageSlots.Cf] = cf;
        slots[MessageSlots.Body] = HostSource(body);
        return message;
    }

    /// <summary>A response the host got (fetch, cache.match), as the script gets it.</summary>
    private WebMessage HostResponse(int status, string statusText, HeaderList headers, JsValue body, string url)
    {
        var message = new WebMessage(_engine, Slots, _responsePrototype!, isRequest: false);
        var slots = message.Slots;
        slots[MessageSlots.Status] = JsNumber.Create(status);
        slots[MessageSlots.StatusText] = statusText.Length == 0 ? JsString.Empty : new JsString(statusText);
        slots[MessageSlots.Headers] = headers;
        slots[MessageSlots.Url] = new JsString(url);
        slots[MessageSlots.Type] = DefaultType;
        slots[MessageSlots.Body] = HostSource(body);
        return message;
    }

    // The prelude's body source of a host body: { kind: HOST, value: handle }, or null.
    private JsValue HostSource(JsValue body)
    {
        if (body.IsNull())
        {
            return JsValue.Null;
        }

        var source = new JsObject(_engine);
        source.FastSetDataProperty("kind", HostKind);
        source.FastSetDataProperty("value", body);
        return source;
    }

    /// <summary>
    /// The getters of <c>Request.prototype</c> or <c>Response.prototype</c> that read a slot, as C# functions (a
    /// JavaScript getter costs a call with its own environment in the interpreter; these are read on every request).
    /// </summary>
    private void InstallMessageGetters(ObjectInstance prototype, bool forRequests)
    {
        if (forRequests)
        {
            _requestPrototype = prototype;
        }
        else
        {
            _responsePrototype = prototype;
        }

        var kind = forRequests ? "Request" : "Response";
        void Getter(string name, Func<JsValue[], JsValue> read)
        {
            var getter = new ClrFunction(_engine, "get " + name, (self, _) =>
                self is WebMessage message && message.IsRequest == forRequests
                    ? read(message.Slots)
                    : throw TypeError($"Illegal invocation: '{name}' was read from an object that is not a {kind}."));
            prototype.DefineOwnProperty(name, new GetSetPropertyDescriptor(getter, JsValue.Undefined, enumerable: false, configurable: true));
        }

        void Slot(string name, int index) => Getter(name, slots => slots[index]);

        if (forRequests)
        {
            Slot("method", MessageSlots.Method);
            Slot("url", MessageSlots.Url);
            Slot("headers", MessageSlots.Headers);
            Slot("redirect", MessageSlots.Redirect);
            Slot("signal", MessageSlots.Signal);
            Slot("cf", MessageSlots.Cf);
        }
        else
        {
            Getter("ok", slots => slots[MessageSlots.Status] is JsNumber status && status.AsNumber() is >= 200 and <= 299 ? JsBoolean.True : JsBoolean.False);
            Slot("status", MessageSlots.Status);
            Slot("statusText", MessageSlots.StatusText);
            Slot("headers", MessageSlots.Headers);
            Slot("url", MessageSlots.Url);
            Slot("redirected", MessageSlots.Redirected);
            Slot("type", MessageSlots.Type);
            Slot("cf", MessageSlots.Cf);
        }
    }
}
