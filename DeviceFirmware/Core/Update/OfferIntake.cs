using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Core.Time;

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
        /// <summary>Default shortest spacing between two offers the engine processes, ms (a flood of offers costs no flash and little CPU).</summary>
        public const long DefaultSpacingMs = 10000;

        /// <summary>How long an offer waits for trusted time before it is refused with <see cref="BundleStatus.TimeUnknown"/>, ms.</summary>
        public const long TimeWaitMs = 120000;

        /// <summary>How often an offer that waits for trusted time looks again, ms.</summary>
        public const long TimePollMs = 5000;

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

        /// <summary>Creates the intake with the default spacing.</summary>
        public OfferIntake()
        {
            SpacingMs = DefaultSpacingMs;
        }

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

        /// <summary>
        /// Takes an offer payload while the engine is in <paramref name="state"/>: parses it, recognises a repeat of the offer
        /// being worked on, refuses it while a candidate is verifying, staged or under test or when it comes too soon, and
        /// otherwise accepts it (<see cref="Accept"/>; then <c>fresh</c> is true and the engine starts on it).
        /// </summary>
        /// <returns><see cref="UpdateOutcome.None"/> (accepted or a repeat), <see cref="UpdateOutcome.MalformedOffer"/> or <see cref="UpdateOutcome.Busy"/>, explained in <see cref="Detail"/>.</returns>
        public UpdateOutcome Take(byte[] payload, int offset, int count, UpdateState state, long nowMs, out bool fresh)
        {
            fresh = false;
            UpdateOffer offer;
            if (TryRead(payload, offset, count, out offer) != DocumentStatus.Valid)
            {
                return UpdateOutcome.MalformedOffer;
            }

            bool working = state == UpdateState.Offered || state == UpdateState.Downloading;
            if (working && offer.Url == Url)
            {
                return UpdateOutcome.None;
            }

            if (state != UpdateState.Idle && state != UpdateState.Downloading)
            {
                Detail = "an update is " + UpdateStateText.Name(state);
                return UpdateOutcome.Busy;
            }

            if (TooSoon(nowMs))
            {
                Detail = "offers arrive faster than one per " + (SpacingMs / 1000).ToString() + " s";
                return UpdateOutcome.Busy;
            }

            Accept(offer, nowMs);
            fresh = true;
            return UpdateOutcome.None;
        }

        /// <summary>True while the accepted offer should wait for trusted time at <paramref name="nowMs"/> (at most <see cref="TimeWaitMs"/>; then it is verified without it and refused for want of time).</summary>
        public bool WaitsForTime(long nowMs, bool timeKnown)
        {
            return !timeKnown && Monotonic.Elapsed(nowMs, AcceptedMs) < TimeWaitMs;
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
