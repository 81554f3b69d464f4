using Jint.Native;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// The private symbols fetch.js names a message's slots with (made by the prelude, handed over once), and
/// the index of each.
/// </summary>
internal sealed class MessageSlots(JsValue[] keys)
{
    public const int Url = 0;
    public const int Method = 1;
    public const int Headers = 2;
    public const int Redirect = 3;
    public const int Signal = 4;
    public const int Cf = 5;
    public const int Used = 6;
    public const int Body = 7;
    public const int Stream = 8;
    public const int Status = 9;
    public const int StatusText = 10;
    public const int Redirected = 11;
    public const int Type = 12;
    public const int Count = 13;

    private readonly JsValue[] _keys = keys.Length == Count
        ? keys
        : throw new ArgumentException($"The prelude gave {keys.Length} message slot keys, not {Count}.", nameof(keys));

    public int IndexOf(JsValue key)
    {
        var keys = _keys;
        for (var i = 0; i < keys.Length; i++)
        {
            if (ReferenceEquals(keys[i], key))
            {
                return i;
            }
        }

        return -1;
    }
}
