using System.Collections.Generic;

namespace SecureDevice.ApiGate;

/// <summary>
/// The only references the gate lets through although no nanoFramework listing declares them. Keep it short and say why
/// for each entry: anything here is trusted to compile and run on the device without proof.
/// </summary>
public static class GateAllowList
{
    /// <summary>
    /// Attribute types the C# compiler emits on its own when the referenced core library defines them. nanoFramework's
    /// mscorlib does not define them, so the nanoFramework build simply leaves them out; they have no run-time meaning.
    /// </summary>
    public static readonly IReadOnlySet<string> CompilerEmittedAttributes = new HashSet<string>
    {
        // On lambda closures, iterator and state-machine classes and their members.
        "System.Runtime.CompilerServices.CompilerGeneratedAttribute",

        // Assembly-level defaults written by the compiler for every assembly.
        "System.Runtime.CompilerServices.CompilationRelaxationsAttribute",
        "System.Runtime.CompilerServices.RuntimeCompatibilityAttribute",

        // Nullable annotations; the portable projects disable nullable, this covers a stray #nullable.
        "System.Runtime.CompilerServices.NullableAttribute",
        "System.Runtime.CompilerServices.NullableContextAttribute",
    };
}
