namespace SecureDevice.Core.Update
{
    /// <summary>Stable lower-case names for <see cref="UpdateState"/> values, used in update events and logs.</summary>
    public static class UpdateStateText
    {
        /// <summary>The name of <paramref name="state"/>, e.g. "waiting-for-reboot".</summary>
        public static string Name(UpdateState state)
        {
            switch (state)
            {
                case UpdateState.Offered: return "offered";
                case UpdateState.Downloading: return "downloading";
                case UpdateState.Verifying: return "verifying";
                case UpdateState.Staged: return "staged";
                case UpdateState.Testing: return "testing";
                case UpdateState.WaitingForReboot: return "waiting-for-reboot";
                default: return "idle";
            }
        }
    }
}
