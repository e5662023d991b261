namespace SecureDevice.ApiGate;

/// <summary>What kind of rule a use broke.</summary>
public enum GateRule
{
    /// <summary>A generic type or method is declared, instantiated or called.</summary>
    Generic,

    /// <summary>A type that no nanoFramework listing declares.</summary>
    MissingType,

    /// <summary>A member that no listing declares on the type or on any of its .NET base types.</summary>
    MissingMember,

    /// <summary>A multidimensional array.</summary>
    MultidimensionalArray,
}

/// <summary>One use of an API that nanoFramework 1.x cannot run.</summary>
/// <param name="UsedBy">The type (and member) in the checked assembly that holds the use.</param>
/// <param name="Target">The doc-ID or signature that was used.</param>
/// <param name="Rule">The rule it broke.</param>
/// <param name="Detail">A sentence saying why.</param>
public sealed record GateViolation(string UsedBy, string Target, GateRule Rule, string Detail)
{
    /// <inheritdoc />
    public override string ToString() => UsedBy + " uses " + Target + ": " + Detail;
}
