namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// The expected start of the update events of the usual release (1.1.0, security version 3; docs/update-engine.md),
    /// built from the fields that differ so that each golden event does not store the whole text again.
    /// </summary>
    public static class UpdateEvents
    {
        /// <summary><c>{"state":S,"outcome":O,"code":C,"version":"1.1.0","securityVersion":3,</c></summary>
        public static string Head(string state, string outcome, int code)
        {
            return "{\"state\":\"" + state + "\",\"outcome\":\"" + outcome + "\",\"code\":" + code.ToString() + ",\"version\":\"1.1.0\",\"securityVersion\":3,";
        }

        /// <summary><see cref="Head"/> followed by the boot count and the key of the event's sequence: <c>"boot":B,"seq":</c></summary>
        public static string Prefix(string state, string outcome, int code, int boot)
        {
            return Head(state, outcome, code) + "\"boot\":" + boot.ToString() + ",\"seq\":";
        }
    }
}
