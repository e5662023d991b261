namespace SecureDevice.Core.Bundle
{
    /// <summary>
    /// Whether a verified manifest fits this device (applied after <see cref="BundleVerifier.VerifyForInstall"/>):
    /// product, hardware model, loader version, payload size, expiry, the anti-rollback floor and the downgrade rule. A version older
    /// than the running one is accepted only with a security version above the running one: an operator who ships an
    /// older build on purpose (to undo a bad release) must say so by raising the security version.
    /// </summary>
    public static class InstallPolicy
    {
        /// <summary>Checks <paramref name="manifest"/> against <paramref name="device"/> at <paramref name="nowUnixSeconds"/>.</summary>
        /// <returns><see cref="BundleStatus.Verified"/> or the first failure, in the order of the summary.</returns>
        public static BundleStatus Check(Manifest manifest, InstallContext device, long nowUnixSeconds, bool timeKnown)
        {
            BundleStatus status = BundleStatus.Unverified;
            if (manifest.Product != device.Product)
            {
                return BundleStatus.WrongProduct;
            }

            if (!manifest.AllowsHardware(device.HardwareModel))
            {
                return BundleStatus.WrongHardware;
            }

            if (manifest.MinLoaderVersion > device.LoaderVersion)
            {
                return BundleStatus.LoaderTooOld;
            }

            if (device.MaxPayloadBytes > 0 && manifest.TotalFileBytes > device.MaxPayloadBytes)
            {
                return BundleStatus.TooLarge;
            }

            if (manifest.ExpiresUnixSeconds >= 0)
            {
                if (!timeKnown)
                {
                    return BundleStatus.TimeUnknown;
                }

                if (nowUnixSeconds >= manifest.ExpiresUnixSeconds)
                {
                    return BundleStatus.ManifestExpired;
                }
            }

            if (manifest.SecurityVersion < device.SecurityFloor)
            {
                return BundleStatus.SecurityVersionRollback;
            }

            if (device.CurrentVersion != null)
            {
                int comparison = manifest.Version.CompareTo(device.CurrentVersion);
                if (comparison < 0 && manifest.SecurityVersion <= device.CurrentSecurityVersion)
                {
                    return BundleStatus.VersionDowngrade;
                }

                if (comparison == 0 && manifest.SecurityVersion == device.CurrentSecurityVersion)
                {
                    return BundleStatus.AlreadyInstalled;
                }
            }

            status = BundleStatus.Verified;
            return status;
        }
    }
}
