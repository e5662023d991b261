using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("SecureDevice.Core")]
[assembly: AssemblyDescription("SecureDevice portable core: bundles, updates, boot, connectivity, telemetry, flood guard, agent")]
[assembly: AssemblyProduct("SecureDevice")]
[assembly: AssemblyCopyright("SecureDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("1.0.0.0")]
[assembly: AssemblyFileVersion("1.0.0.0")]

// The device tests build journals field by field (UpdateJournal's internal setters); no core code may (JournalSetterGateTests).
[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("NFUnitTest")]
