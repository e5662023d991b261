using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("SecureDevice.Foundation")]
[assembly: AssemblyDescription("SecureDevice portable core, leaf layer: text, crypto, storage")]
[assembly: AssemblyProduct("SecureDevice")]
[assembly: AssemblyCopyright("SecureDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("1.0.0.0")]
[assembly: AssemblyFileVersion("1.0.0.0")]
