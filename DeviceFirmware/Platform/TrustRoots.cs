namespace SecureDevice.Platform
{
    /// <summary>
    /// The root public keys this loader trusts for updates, compiled into the loader so that nothing an application can
    /// write (the file system is shared with it) can change them. Replace this file with the output of
    /// <c>securedevice keys anchors ROOT.pub.pem [...] --out DeviceFirmware/Platform/TrustRoots.cs</c> before building a
    /// fleet's firmware. With no key the loader refuses every bundle, including the factory image.
    /// </summary>
    internal static class TrustRoots
    {
        /// <summary>Ed25519 root public keys, 64 lower-case hex digits each (at most 4).</summary>
        internal static readonly string[] PublicKeys = new string[]
        {
        };
    }
}
