namespace SecureDevice.Core.Update
{
    /// <summary>An update offer from the service (devices/{id}/down/update), parsed by <see cref="UpdateOfferParser"/>.</summary>
    public sealed class UpdateOffer
    {
        internal UpdateOffer(string url, bool hasManifestDigest, byte[] manifestDigest)
        {
            Url = url;
            HasManifestDigest = hasManifestDigest;
            ManifestDigest = manifestDigest;
        }

        /// <summary>Base URL of the bundle folder: https, ends in '/', at most <see cref="UpdateJournal.MaxUrlLength"/> characters.</summary>
        public string Url { get; private set; }

        /// <summary>True when the offer pins the manifest by SHA-256.</summary>
        public bool HasManifestDigest { get; private set; }

        /// <summary>SHA-256 of the manifest the service means (32 bytes; meaningful when <see cref="HasManifestDigest"/>).</summary>
        public byte[] ManifestDigest { get; private set; }
    }
}
