using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SecureDevice.Fleet.Pki;

/// <summary>Server certificate checks against one anchor (the fleet root, a private CA), never the system store.</summary>
internal static class AnchoredTrust
{
    /// <summary>True when <paramref name="presented"/> chains to <paramref name="anchor"/> and TLS found the name right.</summary>
    public static bool Accepts(X509Certificate2 anchor, X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented == null || (errors & (SslPolicyErrors.RemoteCertificateNameMismatch | SslPolicyErrors.RemoteCertificateNotAvailable)) != 0)
        {
            return false;
        }

        using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(presented.GetRawCertData());
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(anchor);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }
}
