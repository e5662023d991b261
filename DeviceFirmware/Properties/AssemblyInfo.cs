using System.Reflection;
using System.Runtime.InteropServices;

[assembly: AssemblyTitle("SecureDevice firmware")]
[assembly: AssemblyDescription("Signed-update loader and device application for ESP32 on .NET nanoFramework")]
[assembly: AssemblyProduct("SecureDevice")]
[assembly: AssemblyCopyright("SecureDevice")]
[assembly: ComVisible(false)]
[assembly: AssemblyVersion("1.0.0.0")]
[assembly: AssemblyFileVersion("1.0.0.0")]
