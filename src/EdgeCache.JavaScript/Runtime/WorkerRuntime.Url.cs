using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;
using Jint.Runtime.Descriptors;
using Jint.Runtime.Interop;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// The <c>URL</c> global in C# (<see cref="UrlObject"/>, <see cref="PlainUrl"/>): the constructor, the getters and
/// setters and <c>toString</c>, with whatwg-url (vendor.js) behind them for every URL that is not plain and every
/// setter. The reference example makes <c>new URL(request.url)</c> and reads its <c>toString()</c> on every request;
/// as a prelude class that was a JavaScript constructor with private fields and methods (a private element list per
/// object) and a JavaScript call per read, about a tenth of the engine thread's time per hit (session 10's profile).
/// </summary>
internal sealed partial class WorkerRuntime
{
    private static readonly JsString HrefKey = new("href");

    private readonly PlainUrl.Cache _plainUrls = new();
    private JsValue _whatwgUrl = JsValue.Undefined;

    private void AddUrlFunctions(Action<string, Func<JsValue[], JsValue>> add)
    {
        // urlInstall(whatwg-url's URL, the prototype with url.js's own members): the URL constructor.
        add("urlInstall", a =>
        {
            _whatwgUrl = a[0];
            return InstallUrl(a[1].AsObject());
        });
    }

    private HostConstructor InstallUrl(ObjectInstance prototype)
    {
        UrlObject This(JsValue self, string name)
            => self as UrlObject ?? throw TypeError($"Illegal invocation: '{name}' was used on an object that is not a URL.");

        // An accessor: read from the parts, or from the whatwg-url object; set through the whatwg-url object (made
        // from the parts on first need), except href, which parses anew.
        void Accessor(string name, Func<PlainUrl, JsValue>? plain, bool settable = true)
        {
            var key = new JsString(name);
            var getter = new ClrFunction(_engine, "get " + name, (self, _) =>
            {
                var url = This(self, name);
                return url.Parts is { } parts && plain is not null ? plain(parts) : Impl(url).Get(key);
            });
            var setter = !settable ? JsValue.Undefined : new ClrFunction(_engine, "set " + name, (self, a) =>
            {
                var url = This(self, name);
                var value = a.Length > 0 ? a[0] : JsValue.Undefined;
                if (name == "href")
                {
                    Reparse(url, value);
                }
                else
                {
                    Impl(url).Set(key, value, throwOnError: true);
                }

                return JsValue.Undefined;
            }, 1);
            prototype.DefineOwnProperty(name, new GetSetPropertyDescriptor(getter, setter, enumerable: false, configurable: true));
        }

        Accessor("href", p => p.Href);
        Accessor("origin", p => new JsString(p.Scheme + "://" + p.Host), settable: false);
        Accessor("protocol", p => new JsString(p.Scheme + ":"));
        Accessor("username", _ => JsString.Empty);
        Accessor("password", _ => JsString.Empty);
        Accessor("host", p => new JsString(p.Host));
        Accessor("hostname", p => new JsString(p.Hostname));
        Accessor("port", p => p.Port.Length == 0 ? JsString.Empty : new JsString(p.Port));
        Accessor("pathname", p => new JsString(p.Path));
        Accessor("search", p => string.IsNullOrEmpty(p.Query) ? JsString.Empty : new JsString("?" + p.Query));
        Accessor("searchParams", null, settable: false);
        Accessor("hash", p => string.IsNullOrEmpty(p.Fragment) ? JsString.Empty : new JsString("#" + p.Fragment));

        // Not through the href getter (as workerd's does not): the reference example calls it on every request.
        prototype.DefineOwnProperty("toString", new PropertyDescriptor(
            new ClrFunction(_engine, "toString", (self, _) => This(self, "toString") is var url && url.Parts is { } parts ? parts.Href : url.Full!.Get(HrefKey)),
            writable: true, enumerable: false, configurable: true));

        return new HostConstructor(_engine, "URL", 1, prototype, (a, proto) => NewUrl(proto, a.Length > 0 ? a[0] : JsValue.Undefined, a.Length > 1 ? a[1] : JsValue.Undefined));
    }

    // new URL(url, base): the fast path for a plain absolute URL without a base, whatwg-url for the rest.
    private UrlObject NewUrl(ObjectInstance prototype, JsValue input, JsValue baseUrl)
    {
        if (input.IsUndefined())
        {
            throw TypeError("Failed to construct 'URL': 1 argument required, but only 0 present.");
        }

        var text = input is JsString s ? s.ToString() : TypeConverter.ToString(input);
        if (baseUrl.IsUndefined() && _plainUrls.Split(text) is { } parts)
        {
            return new UrlObject(_engine, prototype, parts, full: null);
        }

        JsValue[] arguments = baseUrl.IsUndefined() ? [new JsString(text)] : [new JsString(text), new JsString(TypeConverter.ToString(baseUrl))];
        return new UrlObject(_engine, prototype, parts: null, full: _engine.Construct(_whatwgUrl, arguments));
    }

    // The whatwg-url object, made from the fast path's parts on first need (setters, searchParams).
    private ObjectInstance Impl(UrlObject url)
    {
        if (url.Full is null)
        {
            url.Use(_engine.Construct(_whatwgUrl, [url.Parts!.Href]));
        }

        return url.Full!;
    }

    private void Reparse(UrlObject url, JsValue value)
    {
        var text = TypeConverter.ToString(value);
        if (_plainUrls.Split(text) is { } parts)
        {
            url.Use(parts);
        }
        else
        {
            url.Use(_engine.Construct(_whatwgUrl, [new JsString(text)]));
        }
    }

    /// <summary>The serialised form of an absolute URL (<c>new Request(input)</c>'s URL).</summary>
    private JsValue SerializeUrl(JsValue input)
    {
        var text = input is JsString s ? s.ToString() : TypeConverter.ToString(input);
        return _plainUrls.Split(text) is { } parts ? parts.Href : _engine.Construct(_whatwgUrl, [new JsString(text)]).Get(HrefKey);
    }
}
