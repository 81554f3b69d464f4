using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace EdgeCache.AspNetCore.Origin;

/// <summary>Origin certificate validation that trusts a given CA file in addition to the system store.</summary>
internal static class OriginCertificateValidation
{
    public static RemoteCertificateValidationCallback TrustingAlso(string caPemFile)
    {
        var anchors = new X509Certificate2Collection();
        anchors.ImportFromPemFile(caPemFile);
        if (anchors.Count == 0)
        {
            throw new ArgumentException($"The CA file '{caPemFile}' holds no PEM certificate.", nameof(caPemFile));
        }

        return (_, certificate, chain, errors) =>
        {
            if (errors == SslPolicyErrors.None)
            {
                return true;
            }

            // Name mismatches and missing certificates are never forgiven; only the trust anchor may differ.
            if (certificate is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != 0)
            {
                return false;
            }

            using var custom = new X509Chain();
            custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            custom.ChainPolicy.CustomTrustStore.AddRange(anchors);
            custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (chain is not null)
            {
                foreach (var element in chain.ChainElements)
                {
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return custom.Build(new X509Certificate2(certificate));
        };
    }
}
