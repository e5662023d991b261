namespace SecureDevice.Tool.Cli;

/// <summary>The tool's exit codes (README "Exit codes").</summary>
public static class ExitCodes
{
    /// <summary>Success.</summary>
    public const int Ok = 0;

    /// <summary>A verification or check ran and failed (a bundle a device would refuse, a demo check that did not hold).</summary>
    public const int Failed = 1;

    /// <summary>Usage or input error: a bad argument, a missing or unsafe file, a corrupt state file, an existing output.</summary>
    public const int UsageError = 2;

    /// <summary>A bug in the tool (an exception nobody expected): one line, no stack trace; please report it.</summary>
    public const int InternalError = 70;
}
