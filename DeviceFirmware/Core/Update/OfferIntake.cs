using SecureDevice.Core.Text;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The first phase of an update: reads an offer (devices/{id}/down/update) with <see cref="UpdateOfferParser"/>,
    /// keeping the parser's own reason (an oversized offer is "too large", not an invalid value), enforces the spacing
    /// between offers, and keeps what the accepted offer asked for: the base URL and the pinned manifest digest.
    /// Costs no flash write; the engine decides whether it is busy.
    /// </summary>
    public sealed class OfferIntake
    {
        private readonly UpdateOfferParser _parser = new UpdateOfferParser();
        private readonly byte[] _digest = new byte[32];
        private bool _seen;

        /// <summary>Shortest spacing between accepted offers, ms.</summary>
        public long SpacingMs { get; set; }

        /// <summary>When the last offer was accepted (monotonic ms).</summary>
        public long AcceptedMs { get; private set; }

        /// <summary>Base URL of the bundle being fetched or downloaded (ends in '/'); empty or null when none.</summary>
        public string Url { get; set; }

        /// <summary>One line explaining the last refusal of <see cref="TryRead"/>.</summary>
        public string Detail { get; private set; }

        /// <summary>Forgets the last offer (a boot): the next one is never too soon.</summary>
        public void Reset()
        {
            _seen = false;
        }

        /// <summary>Parses <c>payload[offset, +count)</c>.</summary>
        /// <returns>The parser's status: <see cref="DocumentStatus.Valid"/> with <paramref name="offer"/> set, else the reason (also in <see cref="Detail"/>).</returns>
        public DocumentStatus TryRead(byte[] payload, int offset, int count, out UpdateOffer offer)
        {
            DocumentStatus status = _parser.TryParse(payload, offset, count, out offer);
            Detail = status == DocumentStatus.Valid ? null : _parser.Reader.Describe("offer", status);
            return status;
        }

        /// <summary>True when an offer at <paramref name="nowMs"/> comes sooner than <see cref="SpacingMs"/> after the last accepted one.</summary>
        public bool TooSoon(long nowMs)
        {
            return _seen && Monotonic.Elapsed(nowMs, AcceptedMs) < SpacingMs;
        }

        /// <summary>Takes <paramref name="offer"/> as the one to process.</summary>
        public void Accept(UpdateOffer offer, long nowMs)
        {
            _seen = true;
            AcceptedMs = nowMs;
            Url = offer.Url;
            Pinned = offer.HasManifestDigest;
            System.Array.Copy(offer.ManifestDigest, 0, _digest, 0, 32);
        }

        /// <summary>True when the accepted offer pinned a manifest digest.</summary>
        public bool Pinned { get; private set; }

        /// <summary>True when the offer pinned a digest and <paramref name="manifestDigest"/> (32 bytes) is not it.</summary>
        public bool Mismatches(byte[] manifestDigest)
        {
            return Pinned && !ByteRange.ConstantTimeEquals(_digest, 0, manifestDigest, 0, 32);
        }
    }
}
