namespace SecureDevice.Core.Update
{
    /// <summary>What <see cref="Probation"/> decides about a candidate under test.</summary>
    public enum ProbationVerdict
    {
        /// <summary>Not healthy yet and time is left: ask again (the wait is the time left).</summary>
        Wait = 0,

        /// <summary>Healthy: the engine confirms the candidate (journal <c>Confirmed</c>), raising the security floor.</summary>
        Confirm = 1,

        /// <summary>Failed: the engine reverts the candidate (journal <c>Reverted</c>) with <see cref="Probation.Outcome"/> and reboots into the active slot.</summary>
        Revert = 2,
    }
}
