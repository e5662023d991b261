using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("NFUnitTest")]
[assembly: AssemblyDescription("SecureDevice foundation tests (crypto, storage, text) for nanoCLR and the host")]
[assembly: AssemblyProduct("SecureDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("1.0.0.0")]
