using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using EdgeCache.Server.Settings;

namespace EdgeCache.Server.Hosting;

/// <summary>Loads the listener's TLS certificate from the settings (PFX, or PEM certificate and key).</summary>
internal static class ServerCertificate
{
    public static X509Certificate2? Load(ServerSettings settings)
    {
        if (settings.CertificatePath is not { } path)
        {
            return null;
        }

        try
        {
            if (settings.CertificateKeyPath is { } keyPath)
            {
                var pem = settings.CertificatePassword is { Length: > 0 } password
                    ? X509Certificate2.CreateFromEncryptedPemFile(path, password, keyPath)
                    : X509Certificate2.CreateFromPemFile(path, keyPath);

                // Re-import so the private key is usable by SslStream on every platform.
                return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
            }

            return X509CertificateLoader.LoadPkcs12FromFile(path, settings.CertificatePassword);
        }
        catch (CryptographicException ex)
        {
            throw new SettingsException([$"--tls-certificate (EdgeCache:CertificatePath) '{path}' could not be loaded: {ex.Message}"]);
        }
    }
}
