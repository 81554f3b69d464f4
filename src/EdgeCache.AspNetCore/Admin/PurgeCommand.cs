using System.Text.Json;
using EdgeCache.Storage;

namespace EdgeCache.AspNetCore.Admin;

/// <summary>
/// A purge request body in Cloudflare's shape: exactly one of <c>files</c>, <c>tags</c>,
/// <c>prefixes</c>, <c>hosts</c> or <c>purge_everything</c>, plus EdgeCache's optional <c>soft</c>.
/// </summary>
internal sealed record PurgeCommand(IReadOnlyList<PurgeRequest> Requests)
{
    /// <summary>Most items one request may name (Cloudflare allows 30 files / 30 tags per call on small plans; we are generous).</summary>
    public const int MaxItems = 10_000;

    /// <summary>Parses a body; on failure returns null and a message that says what is wrong.</summary>
    public static PurgeCommand? TryParse(ReadOnlySpan<byte> json, out string error)
    {
        error = string.Empty;

        // JsonDocument checks the structure, not the UTF-8 inside strings: GetString would throw later.
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            error = "The body is not valid UTF-8.";
            return null;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException ex)
        {
            error = $"The body is not valid JSON: {ex.Message}";
            return null;
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "The body must be a JSON object such as {\"files\": [\"https://example.com/a\"]}.";
                return null;
            }

            var soft = false;
            var kinds = new List<string>();
            var requests = new List<PurgeRequest>();
            foreach (var property in root.EnumerateObject())
            {
                switch (property.Name)
                {
                    case "soft":
                        if (property.Value.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
                        {
                            error = "\"soft\" must be true or false.";
                            return null;
                        }

                        soft = property.Value.GetBoolean();
                        break;
                    case "purge_everything":
                        if (property.Value.ValueKind != JsonValueKind.True)
                        {
                            error = "\"purge_everything\" must be true.";
                            return null;
                        }

                        kinds.Add(property.Name);
                        requests.Add(PurgeRequest.Everything);
                        break;
                    case "files":
                    case "tags":
                    case "prefixes":
                    case "hosts":
                        kinds.Add(property.Name);
                        if (!ReadItems(property, requests, out error))
                        {
                            return null;
                        }

                        break;
                    default:
                        error = $"Unknown field \"{property.Name}\": use one of files, tags, prefixes, hosts, purge_everything (and optionally soft).";
                        return null;
                }
            }

            if (kinds.Count != 1)
            {
                error = kinds.Count == 0
                    ? "Say what to purge: one of files, tags, prefixes, hosts or purge_everything."
                    : $"Purge one kind at a time; the body has {string.Join(", ", kinds)}.";
                return null;
            }

            if (soft)
            {
                requests = requests.ConvertAll(r => r with { Soft = true });
            }

            return new PurgeCommand(requests);
        }
    }

    private static bool ReadItems(JsonProperty property, List<PurgeRequest> requests, out string error)
    {
        error = string.Empty;
        if (property.Value.ValueKind != JsonValueKind.Array || property.Value.GetArrayLength() == 0)
        {
            error = $"\"{property.Name}\" must be a non-empty array.";
            return false;
        }

        if (property.Value.GetArrayLength() > MaxItems)
        {
            error = $"\"{property.Name}\" has more than {MaxItems} items.";
            return false;
        }

        foreach (var item in property.Value.EnumerateArray())
        {
            string? value = item.ValueKind switch
            {
                JsonValueKind.String => item.GetString(),

                // Cloudflare also accepts {"url": ..., "headers": {...}} for files; every variant of the URL is purged.
                JsonValueKind.Object when property.Name == "files" && item.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String => url.GetString(),
                _ => null,
            };

            if (string.IsNullOrWhiteSpace(value))
            {
                error = $"Every item of \"{property.Name}\" must be a non-empty string{(property.Name == "files" ? " or {\"url\": ...}" : string.Empty)}.";
                return false;
            }

            switch (property.Name)
            {
                case "files":
                    if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                    {
                        error = $"\"{value}\" in files is not an absolute http(s) URL.";
                        return false;
                    }

                    requests.Add(new PurgeRequest(PurgeKind.Url, uri.AbsoluteUri));
                    break;
                case "tags":
                    requests.Add(new PurgeRequest(PurgeKind.Tag, value.Trim()));
                    break;
                case "prefixes":
                    requests.Add(new PurgeRequest(PurgeKind.Prefix, value.Trim()));
                    break;
                case "hosts":
                    requests.Add(new PurgeRequest(PurgeKind.Host, EdgeCachePurger.AsciiHost(value.Trim())));
                    break;
            }
        }

        return true;
    }
}
