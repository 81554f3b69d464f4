using System.Diagnostics.CodeAnalysis;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace EdgeCache;

/// <summary>Responses a worker makes itself: JavaScript's <c>Response.json(...)</c> and <c>new Response(text)</c>.</summary>
public static class EdgeResponse
{
    private static readonly MediaTypeHeaderValue JsonType = new("application/json");

    /// <summary>
    /// <c>Response.json(value, { status })</c>: the value serialized with <paramref name="options"/> (default:
    /// <see cref="JsonSerializerOptions.Web"/>, camelCase), <c>Content-Type: application/json</c> and an exact
    /// <c>Content-Length</c>.
    /// </summary>
    [RequiresUnreferencedCode("Serializes by reflection; use the JsonTypeInfo overload when trimming.")]
    [RequiresDynamicCode("Serializes by reflection; use the JsonTypeInfo overload for native AOT.")]
    public static HttpResponseMessage Json<T>(T value, HttpStatusCode status = HttpStatusCode.OK, JsonSerializerOptions? options = null)
        => Bytes(JsonSerializer.SerializeToUtf8Bytes(value, options ?? JsonSerializerOptions.Web), JsonType, status);

    /// <summary><c>Response.json(value, { status })</c> with source-generated serialization (trimming and AOT safe).</summary>
    public static HttpResponseMessage Json<T>(T value, JsonTypeInfo<T> typeInfo, HttpStatusCode status = HttpStatusCode.OK)
    {
        ArgumentNullException.ThrowIfNull(typeInfo);
        return Bytes(JsonSerializer.SerializeToUtf8Bytes(value, typeInfo), JsonType, status);
    }

    /// <summary><c>new Response(text, { status })</c>: <c>Content-Type: text/plain; charset=utf-8</c>.</summary>
    public static HttpResponseMessage Text(string text, HttpStatusCode status = HttpStatusCode.OK)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new HttpResponseMessage(status) { Content = new StringContent(text) };
    }

    private static HttpResponseMessage Bytes(byte[] body, MediaTypeHeaderValue type, HttpStatusCode status)
    {
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = type;
        return new HttpResponseMessage(status) { Content = content };
    }
}
