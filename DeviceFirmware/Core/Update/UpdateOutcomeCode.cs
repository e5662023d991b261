using SecureDevice.Core.Bundle;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The wire form of an <see cref="UpdateOutcome"/>: one byte (0..255) in the journal, the <c>code</c> of update events,
    /// key 7 index 3 of health reports, and what the service decodes. Only encoders and decoders use it; everything else
    /// passes the enum. Codes: 0..14 the named outcomes, 32 + <see cref="BundleStatus"/> the rejections.
    /// </summary>
    public static class UpdateOutcomeCode
    {
        /// <summary>The wire code of <paramref name="outcome"/>.</summary>
        public static int Of(UpdateOutcome outcome)
        {
            return (int)outcome;
        }

        /// <summary>The outcome a journal byte (0..255) holds. Lenient on purpose: a journal must never be dropped for its
        /// report field (a missing journal is re-adopted from the slots), so an unknown code stays an unknown value that
        /// <see cref="UpdateOutcomes.Name"/> prints as "none".</summary>
        public static UpdateOutcome FromJournal(int code)
        {
            return (UpdateOutcome)code;
        }

        /// <summary>Reads a wire code from a report or event (strict: only codes this firmware writes).</summary>
        /// <returns>False when <paramref name="code"/> is no outcome this firmware knows (<paramref name="outcome"/> is then None).</returns>
        public static bool TryDecode(long code, out UpdateOutcome outcome)
        {
            bool known = (code >= (int)UpdateOutcome.None && code <= (int)UpdateOutcome.RevertedNoMemory)
                || (code >= (int)UpdateOutcome.Rejected && code <= (int)UpdateOutcome.Rejected + (int)BundleStatus.TooLarge);
            outcome = known ? (UpdateOutcome)(int)code : UpdateOutcome.None;
            return known;
        }
    }
}
