namespace SecureDevice.Core.Update
{
    /// <summary>Where <see cref="FailureRouter"/> sends the update after a phase's step; the engine makes the transition.</summary>
    public enum FailureRoute
    {
        /// <summary>The phase is done: the engine moves on (admission, Verifying, the staged save).</summary>
        Proceed = 0,

        /// <summary>Stay in the state: more work at once, or a retry after the backoff (the retry schedule knows when).</summary>
        Stay = 1,

        /// <summary>End the offer without a journal save (nothing was written); a download it was to supersede goes on.</summary>
        EndOffer = 2,

        /// <summary>End a download that touched the flash: journal <c>Abandoned</c>, state Idle.</summary>
        Abandon = 3,
    }
}
