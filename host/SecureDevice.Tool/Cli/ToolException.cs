using System;

namespace SecureDevice.Tool.Cli;

/// <summary>
/// An expected failure of a command (bad input, refused overwrite, verification failure): reported as one line on
/// standard error with its exit code, never with a stack trace.
/// </summary>
public sealed class ToolException : Exception
{
    /// <summary>Exit code for usage and input errors.</summary>
    public const int UsageError = 2;

    /// <summary>Exit code for a verification that ran and failed.</summary>
    public const int VerificationFailed = 1;

    public ToolException(string message, int exitCode = UsageError)
        : base(message)
    {
        ExitCode = exitCode;
    }

    /// <summary>The process exit code.</summary>
    public int ExitCode { get; }
}
