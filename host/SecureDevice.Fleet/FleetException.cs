using System;

namespace SecureDevice.Fleet;

/// <summary>
/// An expected failure of a fleet operation: bad input, a refused file, a corrupt state file, an output that exists.
/// The message is one line meant for an operator; it may quote untrusted text, so whoever prints it escapes it
/// (<see cref="Text.Printable"/>). Bugs stay ordinary exceptions.
/// </summary>
public sealed class FleetException : Exception
{
    public FleetException(FleetError error, string message, Exception? inner = null)
        : base(message, inner)
    {
        Error = error;
    }

    /// <summary>The kind of failure.</summary>
    public FleetError Error { get; }
}
