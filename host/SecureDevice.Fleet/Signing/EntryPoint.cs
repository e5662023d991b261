using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;

namespace SecureDevice.Fleet.Signing;

/// <summary>The application's entry point: a public static method without parameters, "Assembly:Namespace.Type.Method".</summary>
public sealed record EntryPoint(string Assembly, string Type, string Method)
{
    /// <summary>Splits and checks "Assembly:Namespace.Type.Method" with the device's own name rules.</summary>
    /// <exception cref="FleetException">Not of that form, or a name outside [A-Za-z0-9_.].</exception>
    public static EntryPoint Parse(string text)
    {
        int colon = text.IndexOf(':', System.StringComparison.Ordinal);
        int dot = text.LastIndexOf('.');
        if (colon <= 0 || dot <= colon + 1 || dot == text.Length - 1)
        {
            throw new FleetException(FleetError.InvalidArgument, "the entry point must be Assembly:Namespace.Type.Method, got '" + text + "'");
        }

        var entry = new EntryPoint(text[..colon], text[(colon + 1)..dot], text[(dot + 1)..]);
        if (!SafeName.IsDottedName(entry.Assembly, Manifest.MaxDottedNameLength) || !SafeName.IsDottedName(entry.Type, Manifest.MaxDottedNameLength)
            || !SafeName.IsDottedName(entry.Method, Manifest.MaxDottedNameLength) || entry.Method.Contains('.', System.StringComparison.Ordinal))
        {
            throw new FleetException(FleetError.InvalidArgument, "the entry point has a name outside [A-Za-z0-9_.]: '" + text + "'");
        }

        return entry;
    }

    public override string ToString() => Assembly + ":" + Type + "." + Method;
}
