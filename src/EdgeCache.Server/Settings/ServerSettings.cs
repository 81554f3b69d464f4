using EdgeCache.Server.Rules;

namespace EdgeCache.Server.Settings;

/// <summary>
/// The server's settings, bound from the <c>EdgeCache</c> configuration section
/// (<c>appsettings.json</c>, <c>EDGECACHE__*</c> environment variables, then the command line).
/// </summary>
internal sealed class ServerSettings
{
    public const string SectionName = "EdgeCache";

    /// <summary>The origin to forward to.</summary>
    public string? Origin { get; set; }

    /// <summary>The public listener.</summary>
    public string Listen { get; set; } = "http://127.0.0.1:8787";

    /// <summary><c>proxy</c> (CDN mode) or <c>example</c> (the reference example's handler).</summary>
    public string Handler { get; set; } = "proxy";

    /// <summary>A Cloudflare Workers script to run as the handler (replaces <see cref="Handler"/>); see docs/javascript-workers.md.</summary>
    public string? Worker { get; set; }

    /// <summary>Reload the <see cref="Worker"/> script when it changes (requests in flight finish on the old version).</summary>
    public bool Watch { get; set; }

    /// <summary>How many engines run the <see cref="Worker"/> script (each with its own module state and thread).</summary>
    public int WorkerEngines { get; set; } = 1;

    /// <summary>The CPU time one request's JavaScript may use, summed over its turns (milliseconds); see JavaScriptWorkerOptions.CpuLimit.</summary>
    public int WorkerCpuLimitMs { get; set; } = 1000;

    /// <summary>The bytes the engine may allocate in one turn of its event loop; see JavaScriptWorkerOptions.MemoryLimit.</summary>
    public string WorkerMemoryLimit { get; set; } = "256MB";

    /// <summary>Variables of the <see cref="Worker"/> script: its <c>env</c> (ES modules) or globals (service worker).</summary>
    public Dictionary<string, string> Vars { get; set; } = new(StringComparer.Ordinal);

    /// <summary><c>memory</c>, <c>disk</c> or <c>tiered</c>.</summary>
    public string Store { get; set; } = "tiered";

    public string MemorySize { get; set; } = "256MB";

    /// <summary>
    /// Memory-tier bodies of at least this size live in memory files sent with sendfile(2) (Linux); <c>0</c> or
    /// <c>off</c> keeps every body in a managed array (<see cref="EdgeCache.Storage.MemoryStoreOptions.FileBodyThreshold"/>).
    /// </summary>
    public string MemoryFileThreshold { get; set; } = "128KB";

    /// <summary>
    /// The largest body the memory tier keeps: <c>auto</c> (default) is an eighth of <c>--memory-size</c> for
    /// <c>--store memory</c>, and for <c>tiered</c> 64KB (or the eighth, when smaller): larger bodies live on the disk tier
    /// only, whose hits send them from the page cache through its open files; or a size up to <c>--memory-size</c>.
    /// </summary>
    public string MemoryMaxObjectSize { get; set; } = "auto";

    public string DiskSize { get; set; } = "10GB";

    public string DataDir { get; set; } = "./edgecache-data";

    /// <summary>
    /// How many bytes of bodies the disk tier's write-behind queue may hold before disk writes are dropped
    /// (<see cref="EdgeCache.Storage.DiskStoreOptions.WriteQueueBytes"/>); 1MB to 1GB.
    /// </summary>
    public string DiskWriteQueueSize { get; set; } = "16MB";

    /// <summary>
    /// How many disk-tier hits the disk tier keeps in memory with their body files open, so that the next hit on one
    /// queries no index and opens no file (<see cref="EdgeCache.Storage.DiskStoreOptions.LookupCacheSize"/>): 0 off, at most
    /// 1,000,000, default 4096. Each kept body file holds a file descriptor.
    /// </summary>
    public int DiskLookupCacheSize { get; set; } = 4096;

    /// <summary>
    /// Tiered store: <c>second-hit</c> (default) copies an entry found below memory up into memory on its second hit there
    /// within a window, <c>first-hit</c> on every hit (<see cref="EdgeCache.Storage.PromotionPolicy"/>). The default keeps a
    /// working set larger than the memory tier from copying every disk hit into memory and evicting another entry for it.
    /// </summary>
    public string TieredPromotion { get; set; } = "second-hit";

    /// <summary>The Redis connection string (StackExchange.Redis form); adds the shared tier, the backplane and cross-node collapsing.</summary>
    public string? Redis { get; set; }

    /// <summary>How long one Redis call may take on the request path before the node answers locally (milliseconds).</summary>
    public int RedisTimeoutMs { get; set; } = 100;

    public string AdminListen { get; set; } = "http://127.0.0.1:8788";

    public string? AdminToken { get; set; }

    /// <summary>The TLS certificate for an https listener: a PFX/PKCS#12 file, or a PEM certificate (with <see cref="CertificateKeyPath"/>).</summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>The password of a PFX file or an encrypted PEM key.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>A PEM file of CA certificates trusted (in addition to the system's) for HTTPS origins.</summary>
    public string? OriginCaFile { get; set; }

    /// <summary>Cache rules (CDN mode), applied in order; see docs/rules.md.</summary>
    public List<Rules.CacheRuleSettings> Rules { get; set; } = [];

    /// <summary>Cache only Cloudflare's default cacheable file extensions unless a rule gives an edge TTL.</summary>
    public bool CacheDefaultExtensionsOnly { get; set; }

    /// <summary>Send <c>Cache-Tag</c> response fields on to clients, for debugging; by default they are removed (as Cloudflare does).</summary>
    public bool ExposeCacheTags { get; set; }

    /// <summary>The compiled <see cref="Rules"/>.</summary>
    public Rules.CacheRuleSet RuleSet { get; private set; } = null!;

    /// <summary>Write one access-log line per request.</summary>
    public bool AccessLog { get; set; }

    /// <summary>
    /// Run each request on the thread-pool thread that completed its socket read instead of queueing it a
    /// second time (Kestrel's <c>UnsafePreferInlineScheduling</c>). Safe here because socket completions
    /// themselves still run on the thread pool (unless <c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS</c> is
    /// set), and chosen by measurement (docs/performance.md). Default: true.
    /// </summary>
    public bool InlineScheduling { get; set; } = true;

    /// <summary>
    /// Wait for a request's bytes with a zero-byte read before taking a read buffer from the pool (Kestrel's
    /// <c>WaitForDataBeforeAllocatingBuffer</c>): an idle keep-alive connection then holds no buffer, at the price
    /// of a second <c>recvfrom</c> per request (the runtime tries each read before it waits for the socket, so
    /// the zero-byte read is one more system call whenever the request is already there). Default: false, by
    /// measurement (docs/performance.md, "Session 8"): each open connection holds one 4 KB buffer while idle.
    /// </summary>
    public bool WaitForDataBeforeAllocatingBuffer { get; set; }

    /// <summary>
    /// Put stored bodies of 64 KB and more on the socket as they are (memory tier: one send; disk tier:
    /// sendfile(2)) instead of copying them through Kestrel's output, on plaintext HTTP/1.1 connections
    /// (docs/performance.md, "Large hits without copying"). False gives every connection Kestrel's own
    /// output, as before. Default: true.
    /// </summary>
    public bool DirectSend { get; set; } = true;

    /// <summary>An OTLP collector endpoint for metrics and traces (e.g. http://127.0.0.1:4317); off when empty.</summary>
    public string? OtlpEndpoint { get; set; }

    /// <summary>CDN mode: <c>origin</c> (send the origin's Host) or <c>pass-through</c> (send the client's Host).</summary>
    public string HostHeader { get; set; } = "origin";

    /// <summary>CDN mode: unkeyed request headers (X-Forwarded-Host, X-Original-URL, ...) that are forwarded anyway.</summary>
    public string[] AllowedUnkeyedHeaders { get; set; } = [];

    /// <summary>
    /// CDN mode, allow-list mode: when set, only these request headers (plus the body's Content-* fields) reach
    /// the origin. Default: not set (every header except hop-by-hop ones, the unkeyed deny list and names with '_').
    /// </summary>
    public string[]? ForwardedRequestHeaders { get; set; }

    /// <summary>
    /// CDN mode: a cacheable response with Set-Cookie is <c>do-not-store</c> (default), <c>store-without</c>
    /// (stored without the cookie) or <c>share</c> (dangerous: the cookie is replayed to everyone).
    /// </summary>
    public string SetCookie { get; set; } = "do-not-store";

    /// <summary>The tiered store's promotion policy, validated.</summary>
    public EdgeCache.Storage.PromotionPolicy TieredPromotionPolicy { get; private set; }

    /// <summary>The Set-Cookie policy, validated.</summary>
    public EdgeCache.AspNetCore.Proxy.SetCookiePolicy SetCookiePolicy { get; private set; }

    /// <summary>How long the origin may take to answer, in CDN mode and for a worker's fetch (a TimeSpan such as 00:00:30; at most 1 hour).</summary>
    public TimeSpan OriginTimeout { get; set; } = EdgeCache.AspNetCore.Origin.OriginClient.DefaultTimeout;

    /// <summary>CDN mode: collapse concurrent misses for one URL into one origin request.</summary>
    public bool CollapseRequests { get; set; } = true;

    /// <summary>
    /// CDN mode: before the listener opens, drive unique-key misses (and as many hits) through a proxy of the server's
    /// own (loopback origin, a throwaway store of the configured kind) until the JIT settles, for at most this long, so the JIT has compiled
    /// the miss path before the first real miss pays for it (docs/performance.md, "Session 11: the miss path").
    /// 00:00:00 turns it off; at most 1 minute.
    /// </summary>
    public TimeSpan WarmUp { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// On Linux with glibc: how often the server gives the C heap's free memory back to the system
    /// (<c>malloc_trim</c>), first once it has started; 00:00:00 turns it off; otherwise from 1 second to 1 hour
    /// (docs/performance.md, "Session 13: tiered RSS").
    /// </summary>
    public TimeSpan NativeHeapTrimInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// CDN mode: how stale a stored response may be to stand in when the origin cannot be reached (refused, reset,
    /// closed or timed out before a response); 00:00:00 turns it off (RFC 9111 section 4.2.4).
    /// </summary>
    public TimeSpan StaleIfOriginUnreachable { get; set; } = TimeSpan.FromHours(1);

    /// <summary>CDN mode: a range request that misses fetches the whole object to store it (true), or is forwarded with its Range, and a 206 the origin answers is stored as a part (false).</summary>
    public bool FetchFullObjectForRangeMiss { get; set; } = true;

    /// <summary>CDN mode: forward the origin's <c>CDN-Cache-Control</c> to downstream caches (RFC 9213 section 3); false removes it.</summary>
    public bool ForwardCdnCacheControl { get; set; } = true;

    /// <summary>CDN mode: reuse a POST's fresh response for later GETs when its Content-Location is its own URI (RFC 9110 section 9.3.3). Default off.</summary>
    public bool ReusePostResponses { get; set; }

    /// <summary>
    /// The garbage collector's heap hard limit: <c>auto</c> (derived from the budgets at start-up: the memory tier, the
    /// disk write queue, two collapse buffers, the worker engines' memory limits, plus 64 MB), <c>off</c> (the runtime's
    /// default: no limit, or 75% of a container's memory limit), or a size of at least what <c>auto</c> derives.
    /// A limit set in the runtime's own configuration (<c>DOTNET_GCHeapHardLimit</c>) wins over this one. Default off: the
    /// derived limit's 64 MB headroom does not cover thousands of connections (4,000 connections of misses on a 64 MB tier
    /// aborted the process at 160 MB; without a limit it served them at 309 MiB), and it moved steady-state RSS by no more
    /// than the noise (docs/performance.md, "Session 10: RSS").
    /// </summary>
    public string HeapLimit { get; set; } = "off";

    /// <summary>The largest object the Cache API stores.</summary>
    public string MaxObjectSize { get; set; } = "512MB";

    public Uri OriginUri { get; private set; } = null!;

    public Uri ListenUri { get; private set; } = null!;

    /// <summary>The OTLP endpoint, or null when off.</summary>
    public Uri? OtlpEndpointUri { get; private set; }

    /// <summary>The admin listener, or null when <c>--admin-listen</c> is <c>none</c>.</summary>
    public Uri? AdminListenUri { get; private set; }

    public long MemorySizeBytes { get; private set; }

    /// <summary>
    /// The memory tier's object limit for a memory tier that is the whole store (<paramref name="tiered"/> false) or sits
    /// over the disk tier: the setting, or for <c>auto</c> null (the tier's own default, an eighth of its size) and, over
    /// disk, <see cref="TieredMemoryMaxObject"/> at most.
    /// </summary>
    public long? MemoryMaxObjectBytes(bool tiered)
        => MemoryMaxObjectSizeBytes ?? (tiered ? Math.Min(TieredMemoryMaxObject, Math.Max(MemorySizeBytes / 8, 1)) : null);

    /// <summary>
    /// <c>auto</c>'s memory object limit over the disk tier: a larger body costs less per hit sent from the disk tier's
    /// open file with sendfile(2) than from memory (docs/performance.md, "Session 15: large bodies from the disk tier's
    /// open files"), so keeping it in memory too only spends the memory tier's budget twice over the page cache.
    /// </summary>
    public const long TieredMemoryMaxObject = 64 * 1024;

    /// <summary>The memory tier's file-body threshold in bytes; 0 when off.</summary>
    public long MemoryFileThresholdBytes { get; private set; }

    /// <summary>The memory tier's object limit in bytes as set; null for <c>auto</c> (see <see cref="MemoryMaxObjectBytes"/>).</summary>
    public long? MemoryMaxObjectSizeBytes { get; private set; }

    public long DiskSizeBytes { get; private set; }

    /// <summary>The disk tier's write-behind queue bound in body bytes.</summary>
    public long DiskWriteQueueBytes { get; private set; }

    public long MaxObjectSizeBytes { get; private set; }

    public long WorkerMemoryLimitBytes { get; private set; }

    /// <summary>
    /// How much of a body one fill in flight may hold whole in memory for the requests that join it, beside the memory tier:
    /// a quarter of the memory tier's budget (1 to 64 MB) keeps a few concurrent large fills from doubling the process
    /// (the soak: four 50 MB fills at once on a 64 MB tier, RSS 724 MiB). Larger bodies still collapse while they stream;
    /// only latecomers fetch their own.
    /// </summary>
    public long MaxBufferedObjectSizeBytes { get; private set; }

    /// <summary>The heap hard limit to set at start-up in bytes; 0 when <see cref="HeapLimit"/> is off.</summary>
    public long HeapLimitBytes { get; private set; }

    /// <summary>
    /// The body bytes fills and memory-tier writes in flight may hold on the heap at once (two collapse buffers), when a
    /// heap limit is set; 0 (no bound but each fill's own) when it is off. The derived limit counts exactly this.
    /// </summary>
    public long InFlightBodyBytes => HeapLimitBytes > 0 ? 2 * MaxBufferedObjectSizeBytes : 0;

    /// <summary>Checks every setting; the returned messages name the setting (empty when all are valid).</summary>
    public List<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Origin))
        {
            errors.Add("--origin (EdgeCache:Origin) is required: the URL of the origin server, for example http://127.0.0.1:8080.");
        }
        else if (!Uri.TryCreate(Origin, UriKind.Absolute, out var origin) || (origin.Scheme != "http" && origin.Scheme != "https"))
        {
            errors.Add($"--origin (EdgeCache:Origin) must be an absolute http or https URL, not '{Origin}'.");
        }
        else
        {
            OriginUri = origin;
        }

        if (!Uri.TryCreate(Listen, UriKind.Absolute, out var listen) || (listen.Scheme != "http" && listen.Scheme != "https"))
        {
            errors.Add($"--listen (EdgeCache:Listen) must be an absolute http or https URL such as http://127.0.0.1:8787, not '{Listen}'.");
        }
        else
        {
            ListenUri = listen;
        }

        if (AdminListen is "none" or "off" or "")
        {
            AdminListenUri = null;
        }
        else if (!Uri.TryCreate(AdminListen, UriKind.Absolute, out var admin) || (admin.Scheme != "http" && admin.Scheme != "https"))
        {
            errors.Add($"--admin-listen (EdgeCache:AdminListen) must be an absolute http or https URL, or 'none', not '{AdminListen}'.");
        }
        else if (!IsLoopback(admin) && string.IsNullOrEmpty(AdminToken))
        {
            errors.Add($"--admin-listen (EdgeCache:AdminListen) is '{AdminListen}', which is not a loopback address: set --admin-token (EdgeCache:AdminToken) too, or the purge API would be open to the network.");
        }
        else
        {
            AdminListenUri = admin;
        }

        if (CertificatePath is not null && !File.Exists(CertificatePath))
        {
            errors.Add($"--tls-certificate (EdgeCache:CertificatePath) '{CertificatePath}' does not exist.");
        }

        if (CertificateKeyPath is not null && !File.Exists(CertificateKeyPath))
        {
            errors.Add($"--tls-key (EdgeCache:CertificateKeyPath) '{CertificateKeyPath}' does not exist.");
        }

        if (OriginCaFile is not null && !File.Exists(OriginCaFile))
        {
            errors.Add($"--origin-ca-file (EdgeCache:OriginCaFile) '{OriginCaFile}' does not exist.");
        }

        if (!string.IsNullOrWhiteSpace(OtlpEndpoint))
        {
            if (Uri.TryCreate(OtlpEndpoint, UriKind.Absolute, out var otlp))
            {
                OtlpEndpointUri = otlp;
            }
            else
            {
                errors.Add($"--otlp-endpoint (EdgeCache:OtlpEndpoint) must be an absolute URL, not '{OtlpEndpoint}'.");
            }
        }

        if (Handler is not ("proxy" or "example"))
        {
            errors.Add($"--handler (EdgeCache:Handler) must be 'proxy' or 'example', not '{Handler}'.");
        }

        if (Worker is not null && !File.Exists(Worker))
        {
            errors.Add($"--worker (EdgeCache:Worker) '{Worker}' does not exist.");
        }

        if (WorkerEngines is < 1 or > 64)
        {
            errors.Add($"EdgeCache:WorkerEngines must be from 1 to 64, not {WorkerEngines}.");
        }

        if (WorkerCpuLimitMs < 1)
        {
            errors.Add($"EdgeCache:WorkerCpuLimitMs must be at least 1, not {WorkerCpuLimitMs}.");
        }

        if (HostHeader is not ("origin" or "pass-through"))
        {
            errors.Add($"EdgeCache:HostHeader must be 'origin' or 'pass-through', not '{HostHeader}'.");
        }

        switch (SetCookie)
        {
            case "do-not-store":
                SetCookiePolicy = EdgeCache.AspNetCore.Proxy.SetCookiePolicy.DoNotStore;
                break;
            case "store-without":
                SetCookiePolicy = EdgeCache.AspNetCore.Proxy.SetCookiePolicy.StoreWithout;
                break;
            case "share":
                SetCookiePolicy = EdgeCache.AspNetCore.Proxy.SetCookiePolicy.Share;
                break;
            default:
                errors.Add($"EdgeCache:SetCookie must be 'do-not-store', 'store-without' or 'share', not '{SetCookie}'.");
                break;
        }

        if (DiskLookupCacheSize is < 0 or > EdgeCache.Storage.DiskStoreOptions.MaxLookupCacheSize)
        {
            errors.Add($"EdgeCache:DiskLookupCacheSize must be from 0 (off) to {EdgeCache.Storage.DiskStoreOptions.MaxLookupCacheSize}, not '{DiskLookupCacheSize}'.");
        }

        switch (TieredPromotion)
        {
            case "second-hit":
                TieredPromotionPolicy = EdgeCache.Storage.PromotionPolicy.SecondHit;
                break;
            case "first-hit":
                TieredPromotionPolicy = EdgeCache.Storage.PromotionPolicy.FirstHit;
                break;
            default:
                errors.Add($"EdgeCache:TieredPromotion must be 'second-hit' or 'first-hit', not '{TieredPromotion}'.");
                break;
        }

        if (StaleIfOriginUnreachable < TimeSpan.Zero)
        {
            errors.Add($"EdgeCache:StaleIfOriginUnreachable must be zero (off) or more, not '{StaleIfOriginUnreachable}'.");
        }

        if (WarmUp < TimeSpan.Zero || WarmUp > TimeSpan.FromMinutes(1))
        {
            errors.Add($"EdgeCache:WarmUp must be from 00:00:00 (off) to 00:01:00, not '{WarmUp}'.");
        }

        if (NativeHeapTrimInterval != TimeSpan.Zero && (NativeHeapTrimInterval < TimeSpan.FromSeconds(1) || NativeHeapTrimInterval > TimeSpan.FromHours(1)))
        {
            errors.Add($"EdgeCache:NativeHeapTrimInterval must be 00:00:00 (off) or from 00:00:01 to 01:00:00, not '{NativeHeapTrimInterval}'.");
        }

        if (OriginTimeout <= TimeSpan.Zero || OriginTimeout > EdgeCache.AspNetCore.Origin.OriginClient.MaxTimeout)
        {
            errors.Add($"EdgeCache:OriginTimeout must be more than zero and at most {EdgeCache.AspNetCore.Origin.OriginClient.MaxTimeout}, not '{OriginTimeout}'.");
        }

        if (Store is not ("memory" or "disk" or "tiered"))
        {
            errors.Add($"--store (EdgeCache:Store) must be 'memory', 'disk' or 'tiered', not '{Store}'.");
        }

        RuleSet = Server.Rules.CacheRuleSet.Compile(Rules, CacheDefaultExtensionsOnly, errors);
        MemorySizeBytes = Size("--memory-size (EdgeCache:MemorySize)", MemorySize, 1024, errors);
        if (string.Equals(MemoryFileThreshold?.Trim(), "off", StringComparison.OrdinalIgnoreCase))
        {
            MemoryFileThresholdBytes = 0;
        }
        else
        {
            MemoryFileThresholdBytes = Size("EdgeCache:MemoryFileThreshold", MemoryFileThreshold ?? string.Empty, 0, errors);
            if (MemoryFileThresholdBytes is > 0 and < EdgeCache.Storage.MemoryStoreOptions.MinFileBodyThreshold)
            {
                errors.Add($"EdgeCache:MemoryFileThreshold must be 0 or 'off', or at least 4KB, not '{MemoryFileThreshold}'.");
            }
        }

        if (!string.Equals(MemoryMaxObjectSize?.Trim(), "auto", StringComparison.OrdinalIgnoreCase))
        {
            MemoryMaxObjectSizeBytes = Size("EdgeCache:MemoryMaxObjectSize", MemoryMaxObjectSize ?? string.Empty, 0, errors);
            if (MemoryMaxObjectSizeBytes > MemorySizeBytes && MemorySizeBytes > 0)
            {
                errors.Add($"EdgeCache:MemoryMaxObjectSize must be 'auto' or a size up to --memory-size, not '{MemoryMaxObjectSize}'.");
            }
        }

        DiskSizeBytes = Size("--disk-size (EdgeCache:DiskSize)", DiskSize, 1024, errors);
        DiskWriteQueueBytes = Size("EdgeCache:DiskWriteQueueSize", DiskWriteQueueSize ?? string.Empty, EdgeCache.Storage.DiskStoreOptions.MinWriteQueueBytes, errors);
        if (DiskWriteQueueBytes > EdgeCache.Storage.DiskStoreOptions.MaxWriteQueueBytes)
        {
            errors.Add($"EdgeCache:DiskWriteQueueSize must be at most 1GB, not '{DiskWriteQueueSize}'.");
        }
        MaxObjectSizeBytes = Size("--max-object-size (EdgeCache:MaxObjectSize)", MaxObjectSize, 0, errors);
        WorkerMemoryLimitBytes = Size("EdgeCache:WorkerMemoryLimit", WorkerMemoryLimit, 1024 * 1024, errors);
        MaxBufferedObjectSizeBytes = Math.Min(MaxObjectSizeBytes, Math.Clamp(MemorySizeBytes / 4, 1L << 20, 64L << 20));
        ValidateHeapLimit(errors);
        return errors;
    }

    private void ValidateHeapLimit(List<string> errors)
    {
        var text = HeapLimit?.Trim() ?? string.Empty;
        if (string.Equals(text, "off", StringComparison.OrdinalIgnoreCase))
        {
            HeapLimitBytes = 0;
            return;
        }

        if (string.Equals(text, "auto", StringComparison.OrdinalIgnoreCase))
        {
            HeapLimitBytes = GcHeapLimit.Derive(this);
            return;
        }

        var floor = GcHeapLimit.Floor(this);
        if (!ByteSize.TryParse(text, out var bytes))
        {
            errors.Add($"--heap-limit (EdgeCache:HeapLimit) must be 'auto', 'off' or a size such as 512MB, not '{HeapLimit}'.");
        }
        else if (bytes < floor)
        {
            errors.Add($"--heap-limit (EdgeCache:HeapLimit) must be at least {floor >> 20}MB with these settings (the memory tier, the disk write queue, two collapse buffers and the worker engines' memory limits, plus 64MB: what 'auto' sets), not '{HeapLimit}'; 'auto' derives one, 'off' sets none.");
        }

        HeapLimitBytes = bytes;
    }

    private static bool IsLoopback(Uri uri)
        => uri.IsLoopback || (System.Net.IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) && System.Net.IPAddress.IsLoopback(ip));

    private static long Size(string name, string text, long minimum, List<string> errors)
    {
        if (!ByteSize.TryParse(text, out var bytes))
        {
            errors.Add($"{name} must be a size such as 256MB or 2GB, not '{text}'.");
        }
        else if (bytes < minimum)
        {
            errors.Add($"{name} must be at least {minimum} bytes, not '{text}'.");
        }

        return bytes;
    }
}
