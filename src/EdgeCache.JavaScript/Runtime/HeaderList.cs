using System.Net.Http.Headers;
using EdgeCache.Http;
using Jint;
using Jint.Native;
using Jint.Native.Object;
using Jint.Runtime;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// A JavaScript <c>Headers</c> object (its prototype is fetch.js's <c>Headers.prototype</c>, whose methods
/// that touch the list are C# functions): lower-cased names in the order they were first added, each with its
/// values. Kept in C# because the interpreter spent tens of microseconds per request copying headers through
/// JavaScript maps and arrays; a message crossing to or from C# hands its list over without a JavaScript loop.
/// </summary>
internal sealed class HeaderList : ObjectInstance
{
    private readonly List<(string Name, List<string> Values)> _store;

    // A host response whose headers are not copied in yet: a cache.match() or fetch() result that the script sends
    // on unchanged (the reference example's hit) never has its headers read, so they are copied on first use only.
    private HttpResponseMessage? _pending;

    public HeaderList(Engine engine, ObjectInstance? prototype)
        : this(engine, prototype, [])
    {
    }

    private HeaderList(Engine engine, ObjectInstance? prototype, List<(string Name, List<string> Values)> fields)
        : base(engine)
    {
        _store = fields;
        if (prototype is not null)
        {
            Prototype = prototype;
        }
    }

    /// <summary>Set on the headers of requests and responses that Workers does not let a script change.</summary>
    public bool Immutable { get; set; }

    public int Count => Fields.Count;

    private List<(string Name, List<string> Values)> Fields
    {
        get
        {
            if (_pending is { } response)
            {
                _pending = null;
                AddAll(response.Headers, response.Content);
            }

            return _store;
        }
    }

    /// <summary>
    /// The host response these immutable headers were read from (a fetch() or cache.match() result): a script that
    /// sends that Response on unchanged sends this message itself (<see cref="MessageConversion.ToResponse"/>).
    /// </summary>
    public HttpResponseMessage? Source { get; private set; }

    /// <summary>The headers of a message as a script sees them; hop-by-hop fields stay on this side.</summary>
    public static HeaderList FromHttp(Engine engine, ObjectInstance? prototype, HttpHeaders headers, HttpContent? content, bool immutable)
    {
        var list = new HeaderList(engine, prototype) { Immutable = immutable };
        list.AddAll(headers, content);
        return list;
    }

    /// <summary>
    /// The immutable headers of a host response, which remember it (<see cref="Source"/>). They are copied from it on
    /// first use; whatever clears or replaces its content's headers (its body given to another message, a tee)
    /// calls <see cref="Materialize"/> first (<see cref="HostBody.Headers"/>).
    /// </summary>
    public static HeaderList FromResponse(Engine engine, ObjectInstance? prototype, HttpResponseMessage response)
        => new(engine, prototype) { Immutable = true, Source = response, _pending = response };

    /// <summary>Copies the pending host response's headers in now (nothing when there are none pending).</summary>
    public void Materialize() => _ = Fields;

    /// <summary>Writes the list onto a message; hop-by-hop fields, a request's Host and any Content-Length are left out.</summary>
    public void ApplyTo(HttpHeaders headers, HttpContent? content, bool forRequest)
    {
        foreach (var (name, values) in Fields)
        {
            if (HopByHopHeaders.IsHopByHop(name) || (forRequest && name == "host"))
            {
                continue;
            }

            if (HttpMessageHeaders.IsContentHeader(name))
            {
                // The length is the body's own; a script's Content-Length could only make the message lie.
                if (content is not null && name != "content-length")
                {
                    content.Headers.TryAddWithoutValidation(name, values);
                }
            }
            else
            {
                headers.TryAddWithoutValidation(name, values);
            }
        }
    }

    public HeaderList Copy(ObjectInstance? prototype)
    {
        var fields = new List<(string, List<string>)>(Fields.Count);
        foreach (var (name, values) in Fields)
        {
            fields.Add((name, [.. values]));
        }

        return new HeaderList(_engine, prototype, fields);
    }

    public void Append(JsValue name, JsValue value)
    {
        CheckMutable();
        var key = NormalizeName(name);
        var text = NormalizeValue(value);
        var index = IndexOf(key);
        if (index >= 0)
        {
            Fields[index].Values.Add(text);
        }
        else
        {
            Fields.Add((key, [text]));
        }
    }

    public void SetField(JsValue name, JsValue value)
    {
        CheckMutable();
        var key = NormalizeName(name);
        var text = NormalizeValue(value);
        var index = IndexOf(key);
        if (index >= 0)
        {
            var values = Fields[index].Values;
            values.Clear();
            values.Add(text);
        }
        else
        {
            Fields.Add((key, [text]));
        }
    }

    public void Remove(JsValue name)
    {
        CheckMutable();
        var index = IndexOf(NormalizeName(name));
        if (index >= 0)
        {
            Fields.RemoveAt(index);
        }
    }

    public JsValue GetCombined(JsValue name)
    {
        var index = IndexOf(NormalizeName(name));
        if (index < 0)
        {
            return Null;
        }

        var values = Fields[index].Values;
        return values.Count == 1 ? new JsString(values[0]) : new JsString(string.Join(", ", values));
    }

    public bool Has(JsValue name) => IndexOf(NormalizeName(name)) >= 0;

    /// <summary>The name as the list keys it (lower case); throws a TypeError when it is not a header name.</summary>
    public string NormalizeName(JsValue name)
    {
        var text = name is JsString s ? s.ToString() : TypeConverter.ToString(name);
        if (text.Length == 0 || !IsToken(text))
        {
            throw new JavaScriptException(_engine.Intrinsics.TypeError, $"Invalid header name: '{text}'.");
        }

        return text.ToLowerInvariant();
    }

    public JsArray GetSetCookie()
    {
        var index = IndexOf("set-cookie");
        if (index < 0)
        {
            return new JsArray(_engine);
        }

        var values = Fields[index].Values;
        var items = new JsValue[values.Count];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = new JsString(values[i]);
        }

        return new JsArray(_engine, items);
    }

    /// <summary>The <c>[name, value]</c> pairs the Fetch Standard iterates: sorted by name, values combined but for Set-Cookie.</summary>
    public JsArray Entries()
    {
        var order = new int[Fields.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => string.CompareOrdinal(Fields[a].Name, Fields[b].Name));
        var pairs = new List<JsValue>(order.Length);
        foreach (var i in order)
        {
            var (name, values) = Fields[i];
            var key = new JsString(name);
            if (name == "set-cookie")
            {
                foreach (var value in values)
                {
                    pairs.Add(new JsArray(_engine, [key, new JsString(value)]));
                }
            }
            else
            {
                pairs.Add(new JsArray(_engine, [key, new JsString(values.Count == 1 ? values[0] : string.Join(", ", values))]));
            }
        }

        return new JsArray(_engine, pairs.ToArray());
    }

    public static bool IsToken(string text)
    {
        foreach (var c in text)
        {
            if (c > 0x7e || !IsTokenChar(c))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsTokenChar(char c)
        => c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9')
            or '!' or '#' or '$' or '%' or '&' or '\'' or '*' or '+' or '-' or '.' or '^' or '_' or '`' or '|' or '~';

    private static bool IsHttpWhitespace(char c) => c is '\t' or '\n' or '\r' or ' ';

    private string NormalizeValue(JsValue value)
    {
        var text = value is JsString s ? s.ToString() : TypeConverter.ToString(value);
        var start = 0;
        var end = text.Length;
        while (start < end && IsHttpWhitespace(text[start]))
        {
            start++;
        }

        while (end > start && IsHttpWhitespace(text[end - 1]))
        {
            end--;
        }

        if (start > 0 || end < text.Length)
        {
            text = text[start..end];
        }

        foreach (var c in text)
        {
            if (c is '\0' or '\r' or '\n' || c > 0xff)
            {
                throw new JavaScriptException(_engine.Intrinsics.TypeError, $"Invalid header value: '{text}'.");
            }
        }

        return text;
    }

    private void CheckMutable()
    {
        if (Immutable)
        {
            throw new JavaScriptException(_engine.Intrinsics.TypeError, "Can't modify immutable headers.");
        }
    }

    private int IndexOf(string key)
    {
        for (var i = 0; i < Fields.Count; i++)
        {
            if (string.Equals(Fields[i].Name, key, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    // The headers of a message as a script sees them; hop-by-hop fields stay on this side.
    private void AddAll(HttpHeaders headers, HttpContent? content)
    {
        var skip = HopByHopHeaders.For(headers.NonValidated.TryGetValues("Connection", out var connection) ? connection : null);
        AddAll(headers, skip);
        if (content is not null)
        {
            AddAll(content.Headers, skip);
        }
    }

    private void AddAll(HttpHeaders headers, IReadOnlySet<string> skip)
    {
        foreach (var (name, values) in headers.NonValidated)
        {
            if (skip.Contains(name))
            {
                continue;
            }

            var key = name.ToLowerInvariant();
            var index = IndexOf(key);
            var list = index >= 0 ? Fields[index].Values : null;
            if (list is null)
            {
                list = new List<string>(values.Count);
                Fields.Add((key, list));
            }

            foreach (var value in values)
            {
                list.Add(value);
            }
        }
    }
}
