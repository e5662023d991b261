namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// The parameter an argument check names: a caller reading a bug report learns which argument was wrong, so the name
    /// is part of the contract (Assert.ThrowsException checks only the type).
    /// </summary>
    public static class ThrownArgument
    {
        /// <summary>ParamName of the ArgumentException (or derived) <paramref name="action"/> throws; "(none)" when it throws none.</summary>
        public static string Name(System.Action action)
        {
            try
            {
                action();
            }
            catch (System.ArgumentException e)
            {
                return e.ParamName;
            }

            return "(none)";
        }
    }
}
