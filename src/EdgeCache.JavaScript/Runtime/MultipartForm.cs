using Jint;
using Jint.Native;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace EdgeCache.JavaScript.Runtime;

/// <summary>
/// <c>formData()</c> of a multipart/form-data body: the parts as <c>[name, filename | null, type | null,
/// Uint8Array]</c>, read by ASP.NET Core's <see cref="MultipartReader"/> (the parser Kestrel's own forms use).
/// </summary>
internal static class MultipartForm
{
    /// <exception cref="FormatException">The Content-Type has no boundary, or the body is not valid multipart.</exception>
    public static JsArray Parse(Engine engine, string contentType, byte[] body)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary).Value is not { Length: > 0 } boundary)
        {
            throw new FormatException("The multipart/form-data Content-Type has no boundary.");
        }

        var parts = new List<JsValue>();
        using var stream = new MemoryStream(body, writable: false);
        var reader = new MultipartReader(boundary, stream) { BodyLengthLimit = body.Length };
        try
        {
            // A MemoryStream completes every read synchronously: nothing here waits.
            while (reader.ReadNextSectionAsync().GetAwaiter().GetResult() is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition) || !disposition.DispositionType.Equals("form-data", StringComparison.OrdinalIgnoreCase))
                {
                    throw new FormatException("A multipart/form-data part has no Content-Disposition: form-data.");
                }

                var name = HeaderUtilities.RemoveQuotes(disposition.Name).Value ?? string.Empty;
                var fileName = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
                using var data = new MemoryStream();
                section.Body.CopyTo(data);
                parts.Add(new JsArray(engine,
                [
                    new JsString(name),
                    fileName is null ? JsValue.Null : new JsString(fileName),
                    section.ContentType is { } type ? new JsString(type) : JsValue.Null,
                    engine.Intrinsics.Uint8Array.Construct(data.ToArray()),
                ]));
            }
        }
        catch (IOException ex)
        {
            throw new FormatException("The multipart/form-data body is not valid: " + ex.Message, ex);
        }
        catch (InvalidDataException ex)
        {
            throw new FormatException("The multipart/form-data body is not valid: " + ex.Message, ex);
        }

        return new JsArray(engine, parts.ToArray());
    }
}
