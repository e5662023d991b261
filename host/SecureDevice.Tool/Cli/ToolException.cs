using System;

namespace SecureDevice.Tool.Cli;

/// <summary>
/// A usage error of a command (an option value that does not parse): reported as one line on standard error with exit
/// code 2, never with a stack trace. Failures of the fleet library arrive as <see cref="SecureDevice.Fleet.FleetException"/>.
/// </summary>
public sealed class ToolException : Exception
{
    public ToolException(string message)
        : base(message)
    {
    }
}
