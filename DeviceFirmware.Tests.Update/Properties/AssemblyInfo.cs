using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("NFUnitTest")]
[assembly: AssemblyDescription("SecureDevice update and boot tests for nanoCLR and the host")]
[assembly: AssemblyProduct("SecureDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("1.0.0.0")]
