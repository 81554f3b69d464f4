using System.Buffers.Binary;
using System.Text;

namespace EdgeCache.Fuzz;

/// <summary>Turns fuzzer bytes into the values a target needs.</summary>
internal static class FuzzInput
{
    /// <summary>The bytes as text; invalid UTF-8 becomes U+FFFD, as a header read from the wire would be Latin-1 or replaced.</summary>
    public static string Text(ReadOnlySpan<byte> input) => Encoding.UTF8.GetString(input);

    /// <summary>The text split at its first line feed: two fields of one input (absent second part is empty).</summary>
    public static (string First, string Second) Pair(ReadOnlySpan<byte> input)
    {
        var text = Text(input);
        var newline = text.IndexOf('\n', StringComparison.Ordinal);
        return newline < 0 ? (text, string.Empty) : (text[..newline], text[(newline + 1)..]);
    }

    /// <summary>A non-negative number from the first 8 bytes (zero-padded), and the rest as text.</summary>
    public static (long Number, string Text) NumberAndText(ReadOnlySpan<byte> input, long modulus)
    {
        Span<byte> head = stackalloc byte[8];
        head.Clear();
        var take = Math.Min(8, input.Length);
        input[..take].CopyTo(head);
        var number = (long)(BinaryPrimitives.ReadUInt64LittleEndian(head) % (ulong)modulus);
        return (number, Text(input[take..]));
    }

    public static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvariantViolationException(message);
        }
    }
}
