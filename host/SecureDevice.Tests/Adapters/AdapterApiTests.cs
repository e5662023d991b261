using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using SecureDevice.ApiGate;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Adapters;

/// <summary>
/// The platform adapters (DeviceFirmware/Adapters) only compile with the nanoFramework toolchain, which does not install
/// here. These tests read them as Roslyn syntax trees and check every use of the nanoFramework API against the listings
/// in ../shared/nanoframework-api: namespaces in using directives, type names, member accesses on listed types and on
/// variables of listed types, constructor and method arities, and the language rules of the portable core.
/// </summary>
public sealed class AdapterApiTests
{
    private static readonly Lazy<AdapterApiChecker> Checker = new(() => new AdapterApiChecker(
        ListedApi.Load(NanoApiListing.DefaultDirectory(RepositoryPaths.Root)),
        OwnTypes.Scan(RepositoryPaths.Combine("DeviceFirmware", "Foundation"), RepositoryPaths.Combine("DeviceFirmware", "Core"), RepositoryPaths.Combine("DeviceFirmware", "Adapters"), RepositoryPaths.Combine("DeviceFirmware", "Platform"))));

    // The loader's wiring: device-only code outside the adapters, held to the same listings.
    private static readonly string[] LoaderFiles =
    {
        "Platform/AssemblyRuntime.cs",
        "Platform/Firmware.cs",
        "Platform/Log.cs",
        "Platform/TrustRoots.cs",
        "Program.cs",
    };

    public static IEnumerable<object[]> LoaderSourceFiles() => LoaderFiles.Select(f => new object[] { f });

    private static readonly string[] ExpectedAdapters =
    {
        "Connectivity/M2MqttTransport.cs",
        "Connectivity/M2MqttTransportOptions.cs",
        "Network/WallClock.cs",
        "Network/WifiLink.cs",
        "Storage/LittleFsFileStore.cs",
        "Telemetry/Esp32HealthSource.cs",
        "Telemetry/Esp32HealthSourceOptions.cs",
        "Telemetry/IdleProbe.cs",
        "Update/HttpsBundleSource.cs",
    };

    public static IEnumerable<object[]> AdapterFiles() => ExpectedAdapters.Select(f => new object[] { f });

    [Fact]
    public void Listings_AreLoaded()
    {
        // Guards against a check that passes because it read nothing.
        AdapterApiChecker checker = Checker.Value;
        Assert.True(checker.Api.Types.Count > 400, "only " + checker.Api.Types.Count + " listed types");
        Assert.Contains("nanoFramework.M2Mqtt.MqttClient", checker.Api.Types);
        Assert.Contains("System.IO.IOException.IOExceptionErrorCode", checker.Api.Types);
        Assert.Contains("System.Net.Security", checker.Api.Namespaces);
        Assert.Contains("SecureDevice.Core.Storage.IFileStore", checker.Own.Types);
        Assert.Contains("SecureDevice.Adapters.Network.WifiLink", checker.Own.Types);
    }

    [Fact]
    public void AdapterFolder_HoldsTheExpectedAdapters()
    {
        string folder = RepositoryPaths.Combine("DeviceFirmware", "Adapters");
        var found = Directory.GetFiles(folder, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(ExpectedAdapters, found);
    }

    [Theory]
    [MemberData(nameof(AdapterFiles))]
    public void Adapter_UsesOnlyListedNanoFrameworkApi(string file)
    {
        string path = RepositoryPaths.Combine("DeviceFirmware", "Adapters", file);
        CheckResult result = Checker.Value.Check(File.ReadAllText(path), file);
        Assert.True(result.Violations.Count == 0, file + ":\n" + string.Join("\n", result.Violations));

        // Not vacuous: every adapter makes several checked uses of the platform API; a board's options (plain settings and
        // their range check) at least its exception.
        int least = file.EndsWith("Options.cs", StringComparison.Ordinal) ? 1 : 4;
        Assert.True(result.Checked.Count >= least, file + ": only " + result.Checked.Count + " API uses were checked: " + string.Join(", ", result.Checked));
    }

    [Fact]
    public void LoaderFiles_AreAllTheDeviceOnlyCodeOutsideTheAdapters()
    {
        string root = RepositoryPaths.Combine("DeviceFirmware");
        var found = Directory.GetFiles(root, "*.cs", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(root, f).Replace(Path.DirectorySeparatorChar, '/'))
            .Where(f => !f.StartsWith("Core/", StringComparison.Ordinal) && !f.StartsWith("Foundation/", StringComparison.Ordinal) && !f.StartsWith("Adapters/", StringComparison.Ordinal)
                && !f.StartsWith("Properties/", StringComparison.Ordinal) && !f.StartsWith("obj/", StringComparison.Ordinal) && !f.StartsWith("bin/", StringComparison.Ordinal))
            .OrderBy(f => f, StringComparer.Ordinal)
            .ToList();
        Assert.Equal(LoaderFiles, found);
    }

    [Theory]
    [MemberData(nameof(LoaderSourceFiles))]
    public void Loader_UsesOnlyListedNanoFrameworkApi(string file)
    {
        CheckResult result = Checker.Value.Check(File.ReadAllText(RepositoryPaths.Combine("DeviceFirmware", file)), file);
        Assert.True(result.Violations.Count == 0, file + ":\n" + string.Join("\n", result.Violations));
    }

    [Fact]
    public void Loader_TheKeyPlatformCallsAreAmongTheCheckedUses()
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in LoaderFiles)
        {
            all.UnionWith(Checker.Value.Check(File.ReadAllText(RepositoryPaths.Combine("DeviceFirmware", file)), file).Checked);
        }

        string[] expected =
        {
            "System.Reflection.Assembly.Load", "System.Reflection.Assembly.GetType", "System.Type.GetMethod", "System.Reflection.MethodBase.Invoke",
            "nanoFramework.Runtime.Native.Power.RebootDevice", "System.Threading.Thread.#ctor/1", "System.Threading.Thread.Start",
            "System.Security.Cryptography.X509Certificates.X509Certificate.#ctor/1", "System.Random.Next",
        };
        Assert.All(expected, e => Assert.True(all.Contains(e), e + " was not among the checked uses: " + string.Join(", ", all.OrderBy(x => x))));
    }

    [Fact]
    public void Adapters_TheKeyPlatformCallsAreAmongTheCheckedUses()
    {
        var all = new HashSet<string>(StringComparer.Ordinal);
        foreach (string file in ExpectedAdapters)
        {
            all.UnionWith(Checker.Value.Check(File.ReadAllText(RepositoryPaths.Combine("DeviceFirmware", "Adapters", file)), file).Checked);
        }

        string[] expected =
        {
            "System.IO.File.Move", "System.IO.FileStream.#ctor/3", "System.IO.FileStream.SetLength", "System.IO.Directory.GetFiles",
            "nanoFramework.M2Mqtt.MqttClient.#ctor/6", "nanoFramework.M2Mqtt.MqttClient.Connect", "nanoFramework.M2Mqtt.MqttClient.Close",
            "nanoFramework.M2Mqtt.MqttClient.MqttMsgPublishReceived", "nanoFramework.M2Mqtt.Messages.MqttMsgPublishedEventArgs.IsPublished",
            "System.Net.HttpWebRequest.AddRange", "System.Net.HttpWebRequest.SslVerification", "System.Net.HttpWebRequest.HttpsAuthentCert",
            "System.Net.HttpWebRequest.ReadWriteTimeout", "System.Net.HttpWebResponse.GetResponseStream", "System.Net.WebException.Response",
            "nanoFramework.Hardware.Esp32.NativeMemory.GetMemoryInfo", "nanoFramework.Runtime.Native.GC.Run", "System.Device.Adc.AdcController.OpenChannel",
            "System.Device.Wifi.WifiAdapter.ScanAsync", "System.Device.Wifi.WifiAvailableNetwork.NetworkRssiInDecibelMilliwatts",
            "System.Net.NetworkInformation.NetworkInterface.IPv4Address", "nanoFramework.Networking.Sntp.Start", "System.Environment.TickCount64",
        };
        Assert.All(expected, e => Assert.True(all.Contains(e), e + " was not among the checked uses"));
    }

    public static IEnumerable<object[]> Rejected() => new[]
    {
        new object[] { "invented static member", "using System.IO; class S { void M() { File.ReadAllBytesAsync(\"x\"); } }", "System.IO.File has no member ReadAllBytesAsync" },
        new object[] { "constructor that is not listed", "using System.Net; class S { object M() { return new HttpWebRequest(); } }", "no constructor System.Net.HttpWebRequest with 0" },
        new object[] { "constructor with the wrong arity", "using System.IO; class S { object M() { return new FileStream(\"x\"); } }", "no constructor System.IO.FileStream with 1" },
        new object[] { "misspelt member on a local", "using System.Net; class S { void M() { HttpWebRequest request = (HttpWebRequest)WebRequest.Create(\"https://x\"); request.Timeoutt = 5; } }", "System.Net.HttpWebRequest has no member Timeoutt" },
        new object[] { "misspelt member on a parameter", "using System.Net; class S { void M(HttpWebRequest request) { request.Timeoutt = 5; } }", "System.Net.HttpWebRequest has no member Timeoutt" },
        new object[] { "misspelt member on a field", "using nanoFramework.M2Mqtt; class S { private MqttClient _client; void M() { _client.Conect(\"id\"); } }", "nanoFramework.M2Mqtt.MqttClient has no member Conect" },
        new object[] { "member on a this-qualified field", "using nanoFramework.M2Mqtt; class S { private MqttClient _client; void M() { this._client.Conect(\"id\"); } }", "has no member Conect" },
        new object[] { "method arity", "using System.IO; class S { void M() { File.Move(\"a\"); } }", "no overload of System.IO.File.Move with 1" },
        new object[] { "namespace that is not listed", "using System.Net.Http.Fancy; class S { }", "namespace System.Net.Http.Fancy" },
        new object[] { "ambiguous short name", "using System; using nanoFramework.Runtime.Native; class S { uint M() { return GC.Run(false); } }", "GC is ambiguous" },
        new object[] { "type outside the listings", "using System; class S { void M() { try { } catch (System.Security.Cryptography.CryptographicException) { } } }", "unknown type System.Security.Cryptography.CryptographicException" },
        new object[] { "static class outside the listings", "using System; class S { int M() { return Math.Max(1, 2); } }", "Math" },
        new object[] { "string.Replace on a variable", "class S { string M(string text) { return text.Replace(\"a\", \"b\"); } }", "System.String has no member Replace" },
        new object[] { "string.Join", "class S { string M() { return string.Join(\",\", new string[] { \"a\" }); } }", "System.String has no member Join" },
        new object[] { "qualified access to an invented member", "class S { uint M() { return nanoFramework.Runtime.Native.GC.Runn(false); } }", "nanoFramework.Runtime.Native.GC has no member Runn" },
        new object[] { "nested enum member", "using System.IO; class S { object M() { return IOException.IOExceptionErrorCode.NoSpace; } }", "System.IO.IOException.IOExceptionErrorCode has no member NoSpace" },
        new object[] { "array element of a listed type", "using System.Device.Wifi; class S { string M(WifiAvailableNetwork[] networks) { return networks[0].Name; } }", "System.Device.Wifi.WifiAvailableNetwork has no member Name" },
        new object[] { "generic collection", "using System.Collections.Generic; class S { void M() { var list = new List<int>(); } }", "generic" },
        new object[] { "nullable value type", "class S { int? M() { return null; } }", "nullable" },
        new object[] { "tuple", "class S { void M() { var pair = (1, 2); } }", "tuple" },
        new object[] { "iterator", "using System.Collections; class S { IEnumerable M() { yield return 1; } }", "yield" },
        new object[] { "async", "class S { async void M() { } }", "async" },
        new object[] { "multidimensional array", "class S { void M() { int[,] grid = new int[2, 2]; } }", "multidimensional" },
        new object[] { "string interpolation", "class S { string M(int x) { return $\"x={x}\"; } }", "interpolat" },
        new object[] { "assignment to a get-only property", "using System.Net; class S { void M(HttpWebRequest request) { request.AllowAutoRedirect = false; } }", "System.Net.HttpWebRequest.AllowAutoRedirect is assigned but not known to have a setter" },
        new object[] { "object initializer member", "using System.Net; class S { void M() { var c = new NetworkCredential(\"u\", \"p\") { Domayn = \"d\" }; } }", "System.Net.NetworkCredential has no member Domayn" },
    };

    [Theory]
    [MemberData(nameof(Rejected))]
    public void Checker_RejectsWhatNanoFrameworkLacks(string what, string source, string expectedFragment)
    {
        CheckResult result = Checker.Value.Check(source, "snippet.cs");
        Assert.True(
            result.Violations.Any(v => v.Message.Contains(expectedFragment, StringComparison.Ordinal)),
            what + ": expected a violation containing '" + expectedFragment + "'; got: " + string.Join("; ", result.Violations));
    }

    [Fact]
    public void Checker_AcceptsListedUsesIncludingInheritedMembersShadowingAndAliases()
    {
        const string Source = @"
using System;
using System.IO;
using System.Net;
using System.Threading;
using NativeGC = nanoFramework.Runtime.Native.GC;
using SecureDevice.Core.Storage;

namespace SecureDevice.Adapters.Sample
{
    public sealed class Sample
    {
        private readonly AutoResetEvent _event = new AutoResetEvent(false);

        public long Run(FileStream stream, HttpWebRequest request, string File)
        {
            // Inherited: ReadTimeout is declared on Stream, Dispose() on WebRequest, WaitOne on WaitHandle.
            int timeout = stream.ReadTimeout;
            request.Dispose();
            _event.WaitOne(10, false);

            // 'File' is a parameter here, so File.Length is string.Length, not a member of System.IO.File.
            int length = File.Length;
            StorageStatus status = StorageStatus.Ok;
            uint free = NativeGC.Run(false);
            uint again = nanoFramework.Runtime.Native.GC.Run(false);
            byte[] buffer = new byte[4];
            try
            {
                WebException error = new WebException(""x"");
                return error.InnerException == null ? buffer.Length + length + timeout + free + again : 0;
            }
            catch (IOException error) when (error.ErrorCode == IOException.IOExceptionErrorCode.FileNotFound)
            {
                return -1;
            }
        }
    }
}";
        CheckResult result = Checker.Value.Check(Source, "sample.cs");
        Assert.True(result.Violations.Count == 0, string.Join("\n", result.Violations));
        Assert.Contains("System.IO.Stream.ReadTimeout", result.Checked);
        Assert.Contains("System.Net.WebRequest.Dispose", result.Checked);
        Assert.Contains("System.Threading.WaitHandle.WaitOne", result.Checked);
        Assert.Contains("System.String.Length", result.Checked);
        Assert.Contains("nanoFramework.Runtime.Native.GC.Run", result.Checked);
        Assert.Contains("System.Exception.InnerException", result.Checked);
        Assert.DoesNotContain(result.Checked, c => c.StartsWith("System.IO.File.", StringComparison.Ordinal));
    }
}

/// <summary>One rule broken at one place.</summary>
public sealed record AdapterViolation(string File, int Line, string Message)
{
    public override string ToString() => File + "(" + Line + "): " + Message;
}

/// <summary>What <see cref="AdapterApiChecker.Check"/> found: violations, and the listed members whose use it verified.</summary>
public sealed class CheckResult
{
    public List<AdapterViolation> Violations { get; } = new();

    /// <summary>"Type.Member" (declaring type, where the member was found) and "Type.#ctor/arity" of every verified use.</summary>
    public HashSet<string> Checked { get; } = new(StringComparer.Ordinal);
}

/// <summary>A member as listed: kind letter of its doc-ID (M, P, F, E, or T for a nested type), name and parameter count.</summary>
public sealed record ListedMember(char Kind, string Name, int Parameters, bool LastIsArray);

/// <summary>
/// The listings as a type table: every listed type (nested types joined with '.'), the namespaces they live in (with all
/// parent namespaces), and each type's own members. Doc-IDs carry no base types, so <see cref="BaseTypes"/> is a small
/// hand-written map, read from the nanoFramework sources of the listed versions, for the types the adapters use.
/// </summary>
public sealed class ListedApi
{
    // Base classes of listed types whose inherited members the adapters (or these tests) use. Every other listed type is
    // taken to derive from System.Object directly. Sources (repository @ tag, path):
    //   CoreLibrary @ v1.17.11 nanoFramework.CoreLibrary/System/*.cs and System/Threading/*.cs, System/Type.cs,
    //     System/Reflection/MethodInfo.cs ("MethodInfo : MethodBase"), MethodBase.cs ("MethodBase : MemberInfo");
    //   System.IO.FileSystem @ v1.1.93 System.IO.FileSystem/FileStream.cs ("FileStream : Stream");
    //   System.Net.Http @ v1.5.210 Http/System.Net.HttpWebRequest.cs, System.Net.HttpWebResponse.cs, System.Net.WebException.cs;
    //   System.Net @ v1.11.54 nanoFramework.System.Net/SocketException.cs ("SocketException : Exception");
    //   nanoFramework.m2mqtt @ v5.1.220 M2Mqtt/Exceptions/*.cs, nanoFramework.M2Mqtt.Core/Messages/*EventArgs.cs;
    //   System.Device.Adc @ v1.1.24 System.Device.Adc/AdcController.cs, AdcChannel.cs.
    public static readonly IReadOnlyDictionary<string, string> BaseTypes = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["System.SystemException"] = "System.Exception",
        ["System.ArgumentException"] = "System.SystemException",
        ["System.ArgumentNullException"] = "System.ArgumentException",
        ["System.ArgumentOutOfRangeException"] = "System.ArgumentException",
        ["System.InvalidOperationException"] = "System.SystemException",
        ["System.NotSupportedException"] = "System.SystemException",
        ["System.ObjectDisposedException"] = "System.SystemException",
        ["System.OutOfMemoryException"] = "System.SystemException",
        ["System.TimeoutException"] = "System.SystemException",
        ["System.IO.IOException"] = "System.SystemException",
        ["System.Type"] = "System.Reflection.MemberInfo",
        ["System.Reflection.MethodInfo"] = "System.Reflection.MethodBase",
        ["System.Reflection.MethodBase"] = "System.Reflection.MemberInfo",
        ["System.Threading.AutoResetEvent"] = "System.Threading.WaitHandle",
        ["System.Threading.ManualResetEvent"] = "System.Threading.WaitHandle",
        ["System.IO.FileStream"] = "System.IO.Stream",
        ["System.Net.HttpWebRequest"] = "System.Net.WebRequest",
        ["System.Net.HttpWebResponse"] = "System.Net.WebResponse",
        ["System.Net.WebException"] = "System.InvalidOperationException",
        ["System.Net.Sockets.SocketException"] = "System.Exception",
        ["nanoFramework.M2Mqtt.Exceptions.MqttClientException"] = "System.Exception",
        ["nanoFramework.M2Mqtt.Exceptions.MqttCommunicationException"] = "System.Exception",
        ["nanoFramework.M2Mqtt.Exceptions.MqttConnectionException"] = "System.Exception",
        ["nanoFramework.M2Mqtt.Exceptions.MqttTimeoutException"] = "System.Exception",
        ["nanoFramework.M2Mqtt.Messages.MqttMsgPublishEventArgs"] = "System.EventArgs",
        ["nanoFramework.M2Mqtt.Messages.MqttMsgPublishedEventArgs"] = "System.EventArgs",
        ["nanoFramework.M2Mqtt.Messages.MqttMsgSubscribedEventArgs"] = "System.EventArgs",
        ["System.Device.Adc.AdcController"] = "System.Device.Adc.AdcControllerBase",
        ["System.Device.Adc.AdcChannel"] = "System.Device.Adc.AdcChannelBase",
    };

    // Doc-IDs do not say whether a property has a setter, so an assignment to a listed property must name one of these,
    // each read from its source (repository @ tag, path): System.Net.Http @ v1.5.210 Http/System.Net.HttpWebRequest.cs
    // (AllowAutoRedirect, for one, is get-only there); nanoFramework.m2mqtt @ v5.1.220 M2Mqtt/MqttSettings.cs;
    // nanoFramework.Networking.Sntp @ v1.6.42 nanoFramework.Networking.Sntp/Sntp.cs; CoreLibrary @ v1.17.11
    // nanoFramework.CoreLibrary/System/Threading/Thread.cs (Priority: extern get and set). Add to it only after reading the source.
    public static readonly IReadOnlySet<string> SettableProperties = new HashSet<string>(StringComparer.Ordinal)
    {
        "System.Net.HttpWebRequest.Method",
        "System.Net.HttpWebRequest.KeepAlive",
        "System.Net.HttpWebRequest.HttpsAuthentCert",
        "System.Net.HttpWebRequest.SslProtocols",
        "System.Net.HttpWebRequest.SslVerification",
        "System.Net.HttpWebRequest.Timeout",
        "System.Net.HttpWebRequest.ReadWriteTimeout",
        "nanoFramework.M2Mqtt.MqttSettings.InflightQueueSize",
        "nanoFramework.Networking.Sntp.Server1",
        "nanoFramework.Networking.Sntp.Server2",
        "System.Threading.Thread.Priority",
    };

    private readonly Dictionary<string, List<ListedMember>> _members = new(StringComparer.Ordinal);

    private ListedApi()
    {
    }

    public HashSet<string> Types { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Namespaces { get; } = new(StringComparer.Ordinal);

    /// <summary>Reads every *.txt listing in <paramref name="directory"/> (the folder <see cref="NanoApiListing"/> uses).</summary>
    public static ListedApi Load(string directory)
    {
        string[] files = Directory.Exists(directory) ? Directory.GetFiles(directory, "*.txt") : Array.Empty<string>();
        if (files.Length == 0)
        {
            throw new DirectoryNotFoundException("no nanoFramework API listings in " + directory + " (set SECUREDEVICE_NF_API_DIR)");
        }

        return FromIds(files.SelectMany(File.ReadLines).Select(l => l.Trim()).Where(l => l.Length > 2 && l[0] != '#'));
    }

    public static ListedApi FromIds(IEnumerable<string> ids)
    {
        var api = new ListedApi();
        var members = new List<string>();
        foreach (string id in ids)
        {
            if (id.StartsWith("T:", StringComparison.Ordinal))
            {
                api.Types.Add(id.Substring(2));
            }
            else if (id.Length > 2 && id[1] == ':')
            {
                members.Add(id);
            }
        }

        foreach (string id in members)
        {
            api.AddMember(id);
        }

        foreach (string type in api.Types)
        {
            // Nested types are members of their container; the namespace is the longest prefix that is not a type.
            string container = Container(type);
            string name = type.Substring(container.Length == 0 ? 0 : container.Length + 1);
            if (api.Types.Contains(container))
            {
                api.Add(container, new ListedMember('T', name, 0, false));
            }

            while (api.Types.Contains(container))
            {
                container = Container(container);
            }

            for (string ns = container; ns.Length > 0; ns = Container(ns))
            {
                api.Namespaces.Add(ns);
            }
        }

        return api;
    }

    /// <summary>The members declared on <paramref name="type"/> itself.</summary>
    public IReadOnlyList<ListedMember> MembersOf(string type) =>
        _members.TryGetValue(type, out List<ListedMember>? list) ? list : (IReadOnlyList<ListedMember>)Array.Empty<ListedMember>();

    /// <summary><paramref name="type"/>, then its base types as far as <see cref="BaseTypes"/> knows, then System.Object.</summary>
    public IEnumerable<string> Hierarchy(string type)
    {
        for (string? current = type; current != null; current = BaseTypes.TryGetValue(current, out string? parent) ? parent : null)
        {
            yield return current;
        }

        if (type != "System.Object")
        {
            yield return "System.Object";
        }
    }

    private static string Container(string dotted)
    {
        int dot = dotted.LastIndexOf('.');
        return dot < 0 ? string.Empty : dotted.Substring(0, dot);
    }

    private void AddMember(string id)
    {
        string body = id.Substring(2);
        int paren = body.IndexOf('(');
        string head = paren < 0 ? body : body.Substring(0, paren);
        int tilde = head.IndexOf('~');
        if (tilde >= 0)
        {
            head = head.Substring(0, tilde);
        }

        int dot = head.LastIndexOf('.');
        string type = head.Substring(0, dot);
        string name = head.Substring(dot + 1);
        int generic = name.IndexOf("``", StringComparison.Ordinal);
        if (generic >= 0)
        {
            name = name.Substring(0, generic);
        }

        int count = 0;
        bool lastIsArray = false;
        if (paren >= 0)
        {
            int close = body.LastIndexOf(')');
            string parameters = body.Substring(paren + 1, close - paren - 1);
            if (parameters.Length > 0)
            {
                // Top-level commas only: generic arguments {..} and array shapes [0:,0:] contain commas too.
                int depth = 0;
                count = 1;
                foreach (char c in parameters)
                {
                    depth += c is '{' or '[' or '(' ? 1 : c is '}' or ']' or ')' ? -1 : 0;
                    count += c == ',' && depth == 0 ? 1 : 0;
                }

                lastIsArray = parameters.EndsWith("[]", StringComparison.Ordinal);
            }
        }

        Add(type, new ListedMember(id[0], name, count, lastIsArray));
    }

    private void Add(string type, ListedMember member)
    {
        if (!_members.TryGetValue(type, out List<ListedMember>? list))
        {
            _members[type] = list = new List<ListedMember>();
        }

        list.Add(member);
    }
}

/// <summary>The namespaces and types the firmware declares itself (portable core and adapters).</summary>
public sealed class OwnTypes
{
    public HashSet<string> Types { get; } = new(StringComparer.Ordinal);

    public HashSet<string> Namespaces { get; } = new(StringComparer.Ordinal);

    public static OwnTypes Scan(params string[] folders)
    {
        var own = new OwnTypes();
        foreach (string file in folders.SelectMany(f => Directory.GetFiles(f, "*.cs", SearchOption.AllDirectories)))
        {
            own.Add(CSharpSyntaxTree.ParseText(File.ReadAllText(file), new CSharpParseOptions(LanguageVersion.CSharp9)).GetCompilationUnitRoot());
        }

        return own;
    }

    public void Add(CompilationUnitSyntax root)
    {
        foreach (BaseNamespaceDeclarationSyntax ns in root.DescendantNodes().OfType<BaseNamespaceDeclarationSyntax>())
        {
            for (string name = AdapterApiChecker.NamespaceOf(ns.Name.Parent!) ; name.Length > 0; name = name.Contains('.') ? name.Substring(0, name.LastIndexOf('.')) : string.Empty)
            {
                Namespaces.Add(name);
            }
        }

        foreach (MemberDeclarationSyntax type in root.DescendantNodes().OfType<MemberDeclarationSyntax>().Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax))
        {
            Types.Add(AdapterApiChecker.FullNameOf(type));
        }
    }
}

/// <summary>
/// Checks C# source written for nanoFramework against the listings, using syntax only (the nanoFramework reference
/// assemblies are not available here). Names are resolved as C# does, as far as the adapters need: locals, parameters,
/// fields and properties (nearest scope wins, so a variable shadows a type of the same name), then types in enclosing
/// namespaces, then alias and namespace using directives (two listed candidates are an ambiguity, as in C#). Known
/// limits: return types of calls are unknown (so <c>a.B().C</c> checks only <c>a.B</c>); accessibility is not checked
/// (listings include protected members); optional parameters are not in the listings, so calls must pass every argument.
/// </summary>
public sealed class AdapterApiChecker
{
    private static readonly Dictionary<SyntaxKind, string> Predefined = new()
    {
        [SyntaxKind.StringKeyword] = "System.String",
        [SyntaxKind.ObjectKeyword] = "System.Object",
        [SyntaxKind.BoolKeyword] = "System.Boolean",
        [SyntaxKind.CharKeyword] = "System.Char",
        [SyntaxKind.ByteKeyword] = "System.Byte",
        [SyntaxKind.SByteKeyword] = "System.SByte",
        [SyntaxKind.ShortKeyword] = "System.Int16",
        [SyntaxKind.UShortKeyword] = "System.UInt16",
        [SyntaxKind.IntKeyword] = "System.Int32",
        [SyntaxKind.UIntKeyword] = "System.UInt32",
        [SyntaxKind.LongKeyword] = "System.Int64",
        [SyntaxKind.ULongKeyword] = "System.UInt64",
        [SyntaxKind.FloatKeyword] = "System.Single",
        [SyntaxKind.DoubleKeyword] = "System.Double",
        [SyntaxKind.DecimalKeyword] = "System.Decimal",
    };

    public AdapterApiChecker(ListedApi api, OwnTypes own)
    {
        Api = api;
        Own = own;
    }

    public ListedApi Api { get; }

    public OwnTypes Own { get; }

    /// <summary>Checks one source file (its own declarations count as firmware types too).</summary>
    public CheckResult Check(string source, string fileName)
    {
        SyntaxTree tree = CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.CSharp9), fileName);
        var result = new CheckResult();
        foreach (Diagnostic error in tree.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error))
        {
            result.Violations.Add(new AdapterViolation(fileName, error.Location.GetLineSpan().StartLinePosition.Line + 1, "syntax: " + error.GetMessage()));
        }

        var own = new OwnTypes();
        own.Types.UnionWith(Own.Types);
        own.Namespaces.UnionWith(Own.Namespaces);
        own.Add(tree.GetCompilationUnitRoot());
        new FileCheck(this, own, tree.GetCompilationUnitRoot(), fileName, result).Run();
        return result;
    }

    /// <summary>The namespace enclosing <paramref name="node"/> ("" for the global namespace).</summary>
    public static string NamespaceOf(SyntaxNode node) =>
        string.Join(".", node.AncestorsAndSelf().OfType<BaseNamespaceDeclarationSyntax>().Reverse().Select(n => n.Name.ToString()));

    /// <summary>Namespace + containing types + name of a type declaration.</summary>
    public static string FullNameOf(MemberDeclarationSyntax type)
    {
        var parts = type.AncestorsAndSelf().OfType<MemberDeclarationSyntax>()
            .Where(m => m is BaseTypeDeclarationSyntax or DelegateDeclarationSyntax)
            .Select(m => m is BaseTypeDeclarationSyntax b ? b.Identifier.Text : ((DelegateDeclarationSyntax)m).Identifier.Text)
            .Reverse();
        string ns = NamespaceOf(type);
        return (ns.Length > 0 ? ns + "." : string.Empty) + string.Join(".", parts);
    }

    internal static string? PredefinedName(SyntaxKind keyword) => Predefined.TryGetValue(keyword, out string? name) ? name : null;
}

/// <summary>What a name or expression denotes.</summary>
internal enum EntityKind
{
    Other,
    Namespace,
    ListedType,
    OwnType,
    Value,
    Ambiguous,
    Unknown,
}

/// <summary>A resolved name: for <see cref="EntityKind.Value"/>, <see cref="Name"/> is the listed type of the value (or null when not a listed type).</summary>
internal sealed record Entity(EntityKind Kind, string? Name, TypeReference? Type = null)
{
    public static readonly Entity Other = new(EntityKind.Other, null);
}

/// <summary>A declared type: a listed type, a firmware type, or unknown; arrays remember their element type.</summary>
internal sealed record TypeReference(string? ListedName, TypeReference? Element);

/// <summary>A variable, parameter, field or property declared in the file, with the region where its name is in scope.</summary>
internal sealed record Declaration(string Name, TypeSyntax? Type, ExpressionSyntax? Initializer, SyntaxNode Scope, int Position, bool Ordered);

internal sealed class FileCheck
{
    private readonly ListedApi _api;
    private readonly OwnTypes _own;
    private readonly CompilationUnitSyntax _root;
    private readonly string _file;
    private readonly CheckResult _result;
    private readonly List<string> _usings = new();
    private readonly Dictionary<string, NameSyntax> _aliases = new(StringComparer.Ordinal);
    private readonly List<Declaration> _declarations = new();

    public FileCheck(AdapterApiChecker checker, OwnTypes own, CompilationUnitSyntax root, string file, CheckResult result)
    {
        _api = checker.Api;
        _own = own;
        _root = root;
        _file = file;
        _result = result;
    }

    public void Run()
    {
        CheckUsings();
        CollectDeclarations();
        CheckLanguageRules();
        CheckTypePositions();
        foreach (MemberAccessExpressionSyntax access in _root.DescendantNodes().OfType<MemberAccessExpressionSyntax>())
        {
            CheckMemberAccess(access, access.Expression, access.Name);
        }

        foreach (MemberBindingExpressionSyntax binding in _root.DescendantNodes().OfType<MemberBindingExpressionSyntax>())
        {
            ConditionalAccessExpressionSyntax? conditional = binding.Ancestors().OfType<ConditionalAccessExpressionSyntax>().FirstOrDefault();
            if (conditional != null)
            {
                CheckMemberAccess(binding, conditional.Expression, binding.Name);
            }
        }

        foreach (QualifiedNameSyntax qualified in _root.DescendantNodes().OfType<QualifiedNameSyntax>().Where(q => !q.Ancestors().Any(a => a is UsingDirectiveSyntax or BaseNamespaceDeclarationSyntax)))
        {
            CheckMemberAccess(qualified, qualified.Left, qualified.Right);
        }

        foreach (BaseObjectCreationExpressionSyntax creation in _root.DescendantNodes().OfType<BaseObjectCreationExpressionSyntax>())
        {
            CheckCreation(creation);
        }
    }

    // (a) using directives: listed namespaces, firmware namespaces, or aliases of listed/firmware types and namespaces.
    private void CheckUsings()
    {
        foreach (UsingDirectiveSyntax directive in _root.DescendantNodes().OfType<UsingDirectiveSyntax>())
        {
            if (directive.Name == null)
            {
                Violation(directive, "using alias of a non-named type: " + directive);
                continue;
            }

            string target = directive.Name.ToString();
            if (directive.Alias != null)
            {
                _aliases[directive.Alias.Name.Identifier.Text] = directive.Name;
                if (!IsNamespace(target) && !_api.Types.Contains(target) && !_own.Types.Contains(target))
                {
                    Violation(directive, "alias target " + target + " is neither a listed or firmware namespace nor a type");
                }
            }
            else if (!directive.StaticKeyword.IsKind(SyntaxKind.None))
            {
                Violation(directive, "using static is not used by the firmware: " + target);
            }
            else
            {
                _usings.Add(target);
                if (!IsNamespace(target))
                {
                    Violation(directive, "namespace " + target + " is neither in the nanoFramework listings nor declared by the firmware");
                }
            }
        }
    }

    private void CheckLanguageRules()
    {
        foreach (SyntaxNode node in _root.DescendantNodes())
        {
            switch (node)
            {
                case GenericNameSyntax generic:
                    Violation(node, "generic type or method " + generic + " (nanoFramework has no generics)");
                    break;
                case NullableTypeSyntax nullable:
                    Violation(node, "nullable value type " + nullable + " (a generic Nullable<T>)");
                    break;
                case TupleTypeSyntax or TupleExpressionSyntax:
                    Violation(node, "tuple " + node + " (a generic ValueTuple)");
                    break;
                case YieldStatementSyntax:
                    Violation(node, "yield iterator (needs generic IEnumerator<T>)");
                    break;
                case AwaitExpressionSyntax:
                    Violation(node, "await (no async on nanoFramework)");
                    break;
                case MethodDeclarationSyntax method when method.Modifiers.Any(SyntaxKind.AsyncKeyword):
                    Violation(node, "async method " + method.Identifier.Text);
                    break;
                case QueryExpressionSyntax:
                    Violation(node, "LINQ query (no System.Linq)");
                    break;
                case ArrayRankSpecifierSyntax rank when rank.Sizes.Count > 1:
                    Violation(node, "multidimensional array " + rank);
                    break;
                case InterpolatedStringExpressionSyntax:
                    Violation(node, "string interpolation (use concatenation)");
                    break;
            }
        }
    }

    // Every type written in a declaration, cast, type test, catch, creation or typeof must be predefined, listed or the firmware's own.
    private void CheckTypePositions()
    {
        var positions = new List<TypeSyntax>();
        foreach (SyntaxNode node in _root.DescendantNodes())
        {
            switch (node)
            {
                case VariableDeclarationSyntax v: positions.Add(v.Type); break;
                case ParameterSyntax p when p.Type != null: positions.Add(p.Type); break;
                case MethodDeclarationSyntax m: positions.Add(m.ReturnType); break;
                case PropertyDeclarationSyntax p: positions.Add(p.Type); break;
                case EventDeclarationSyntax e: positions.Add(e.Type); break;
                case IndexerDeclarationSyntax i: positions.Add(i.Type); break;
                case DelegateDeclarationSyntax d: positions.Add(d.ReturnType); break;
                case CastExpressionSyntax c: positions.Add(c.Type); break;
                case CatchDeclarationSyntax c: positions.Add(c.Type); break;
                case ObjectCreationExpressionSyntax o: positions.Add(o.Type); break;
                case ArrayCreationExpressionSyntax a: positions.Add(a.Type); break;
                case TypeOfExpressionSyntax t: positions.Add(t.Type); break;
                case DefaultExpressionSyntax d: positions.Add(d.Type); break;
                case DeclarationExpressionSyntax d: positions.Add(d.Type); break;
                case DeclarationPatternSyntax d: positions.Add(d.Type); break;
                case TypePatternSyntax t: positions.Add(t.Type); break;
                case ForEachStatementSyntax f: positions.Add(f.Type); break;
                case SimpleBaseTypeSyntax b: positions.Add(b.Type); break;
                case BinaryExpressionSyntax b when b.IsKind(SyntaxKind.AsExpression) || b.IsKind(SyntaxKind.IsExpression):
                    if (b.Right is TypeSyntax right)
                    {
                        positions.Add(right);
                    }

                    break;
            }
        }

        foreach (TypeSyntax type in positions)
        {
            CheckTypeSyntax(type);
        }
    }

    private void CheckTypeSyntax(TypeSyntax type)
    {
        switch (type)
        {
            case ArrayTypeSyntax array:
                CheckTypeSyntax(array.ElementType);
                return;
            case PredefinedTypeSyntax:
            case GenericNameSyntax:
            case NullableTypeSyntax:
            case TupleTypeSyntax:
            case RefTypeSyntax:
                return;
            case IdentifierNameSyntax { Identifier.Text: "var" } when type.Parent is VariableDeclarationSyntax or ForEachStatementSyntax or DeclarationExpressionSyntax:
                return;
        }

        Entity entity = ResolveTypeOrNamespace(type);
        switch (entity.Kind)
        {
            case EntityKind.ListedType:
                _result.Checked.Add(entity.Name!);
                break;
            case EntityKind.OwnType:
                break;
            case EntityKind.Ambiguous:
                Violation(type, type + " is ambiguous between " + entity.Name);
                break;
            default:
                Violation(type, "unknown type " + type + " (neither in the nanoFramework listings nor declared by the firmware)");
                break;
        }
    }

    // (b) + (d) X.Member where X names a listed type or is a variable of a listed type.
    private void CheckMemberAccess(SyntaxNode access, ExpressionSyntax left, SimpleNameSyntax right)
    {
        if (left is ThisExpressionSyntax or BaseExpressionSyntax)
        {
            return;
        }

        Entity target = Resolve(left);
        string member = right.Identifier.Text;
        switch (target.Kind)
        {
            case EntityKind.ListedType:
                CheckMember(access, target.Name!, member);
                break;
            case EntityKind.Value when target.Name != null:
                CheckMember(access, target.Name, member);
                break;
            case EntityKind.Ambiguous:
                Violation(left, left + " is ambiguous between " + target.Name);
                break;
            case EntityKind.Unknown:
                Violation(left, "unknown name " + left + " (no variable, listed type, firmware type or namespace)");
                break;
            case EntityKind.Namespace:
                string dotted = target.Name + "." + member;
                if (!IsNamespace(dotted) && !_api.Types.Contains(dotted) && !_own.Types.Contains(dotted))
                {
                    Violation(access, "no type or namespace " + dotted + " in the nanoFramework listings or the firmware");
                }

                break;
        }
    }

    private void CheckMember(SyntaxNode access, string type, string member)
    {
        ListedMember? found = null;
        string? declaring = null;
        foreach (string candidate in _api.Hierarchy(type))
        {
            found = _api.MembersOf(candidate).FirstOrDefault(m => m.Name == member);
            if (found != null)
            {
                declaring = candidate;
                break;
            }
        }

        if (found == null)
        {
            Violation(access, type + " has no member " + member + " in the nanoFramework listings (nor its base types)");
            return;
        }

        if (access.Parent is InvocationExpressionSyntax invocation && invocation.Expression == access && found.Kind == 'M')
        {
            // A call needs an overload with as many parameters, on the type or a base type (Dispose(bool) on
            // HttpWebRequest does not make request.Dispose() valid; Dispose() on WebRequest does).
            int arguments = invocation.ArgumentList.Arguments.Count;
            string? fitting = _api.Hierarchy(type).FirstOrDefault(t => _api.MembersOf(t).Any(m => m.Kind == 'M' && m.Name == member && Fits(m, arguments)));
            if (fitting == null)
            {
                Violation(access, "no overload of " + declaring + "." + member + " with " + arguments + " argument(s) in the nanoFramework listings");
                return;
            }

            declaring = fitting;
        }

        // An object initialiser passes its assignment as the access; otherwise the access is the assignment's left side.
        bool assigned = access is AssignmentExpressionSyntax || (access.Parent is AssignmentExpressionSyntax assignment && assignment.Left == access);
        if (found.Kind == 'P' && assigned && !ListedApi.SettableProperties.Contains(declaring + "." + member))
        {
            Violation(access, declaring + "." + member + " is assigned but not known to have a setter (check the source, then add it to ListedApi.SettableProperties)");
            return;
        }

        _result.Checked.Add(declaring + "." + member);
    }

    // (c) new X(...) of a listed type needs a listed constructor with as many parameters; initialiser members must exist.
    private void CheckCreation(BaseObjectCreationExpressionSyntax creation)
    {
        if (creation is not ObjectCreationExpressionSyntax explicitCreation)
        {
            return;
        }

        Entity type = ResolveTypeOrNamespace(explicitCreation.Type);
        if (type.Kind != EntityKind.ListedType)
        {
            return;
        }

        int arguments = creation.ArgumentList?.Arguments.Count ?? 0;
        if (!_api.MembersOf(type.Name!).Any(m => m.Kind == 'M' && m.Name == "#ctor" && Fits(m, arguments)))
        {
            Violation(creation, "no constructor " + type.Name + " with " + arguments + " parameter(s) in the nanoFramework listings");
        }
        else
        {
            _result.Checked.Add(type.Name + ".#ctor/" + arguments);
        }

        if (creation.Initializer != null)
        {
            foreach (AssignmentExpressionSyntax assignment in creation.Initializer.Expressions.OfType<AssignmentExpressionSyntax>())
            {
                if (assignment.Left is IdentifierNameSyntax name)
                {
                    CheckMember(assignment, type.Name!, name.Identifier.Text);
                }
            }
        }
    }

    private static bool Fits(ListedMember member, int arguments) =>
        member.Parameters == arguments || (member.LastIsArray && arguments >= member.Parameters - 1);

    /// <summary>What an expression used on the left of '.' denotes.</summary>
    private Entity Resolve(ExpressionSyntax expression)
    {
        switch (expression)
        {
            case IdentifierNameSyntax identifier:
                Declaration? declaration = FindVariable(identifier);
                if (declaration != null)
                {
                    return Value(TypeOf(declaration));
                }

                return ResolveSimpleName(identifier.Identifier.Text, identifier);
            case PredefinedTypeSyntax predefined:
                string? name = AdapterApiChecker.PredefinedName(predefined.Keyword.Kind());
                return name != null && _api.Types.Contains(name) ? new Entity(EntityKind.ListedType, name) : Entity.Other;
            case LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression):
                return new Entity(EntityKind.Value, "System.String");
            case ParenthesizedExpressionSyntax parenthesized:
                return Resolve(parenthesized.Expression);
            case CastExpressionSyntax cast:
                return Value(ResolveTypeReference(cast.Type));
            case BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AsExpression) && binary.Right is TypeSyntax asType:
                return Value(ResolveTypeReference(asType));
            case ObjectCreationExpressionSyntax creation:
                return Value(ResolveTypeReference(creation.Type));
            case ElementAccessExpressionSyntax element:
                Entity array = Resolve(element.Expression);
                if (array.Kind == EntityKind.Value && array.Type?.Element != null)
                {
                    return Value(array.Type.Element);
                }

                return array.Kind == EntityKind.Value && array.Name == "System.String" ? new Entity(EntityKind.Value, "System.Char") : Entity.Other;
            case MemberAccessExpressionSyntax access when access.Expression is ThisExpressionSyntax && access.Name is IdentifierNameSyntax field:
                Declaration? member = FindVariable(field, typeMembersOnly: true);
                return member != null ? Value(TypeOf(member)) : Entity.Other;
            case MemberAccessExpressionSyntax access:
                return ResolveQualified(Resolve(access.Expression), access.Name.Identifier.Text);
            case QualifiedNameSyntax qualified:
                return ResolveQualified(Resolve(qualified.Left), qualified.Right.Identifier.Text);
            case AliasQualifiedNameSyntax global when global.Alias.Identifier.IsKind(SyntaxKind.GlobalKeyword):
                return ResolveQualified(new Entity(EntityKind.Namespace, string.Empty), global.Name.Identifier.Text);
            default:
                return Entity.Other;
        }
    }

    private Entity ResolveTypeOrNamespace(TypeSyntax type) => type switch
    {
        IdentifierNameSyntax identifier => ResolveSimpleName(identifier.Identifier.Text, identifier),
        QualifiedNameSyntax qualified => ResolveQualified(ResolveTypeOrNamespace(qualified.Left), qualified.Right.Identifier.Text),
        AliasQualifiedNameSyntax global when global.Alias.Identifier.IsKind(SyntaxKind.GlobalKeyword) => ResolveQualified(new Entity(EntityKind.Namespace, string.Empty), global.Name.Identifier.Text),
        PredefinedTypeSyntax predefined => AdapterApiChecker.PredefinedName(predefined.Keyword.Kind()) is string name && _api.Types.Contains(name) ? new Entity(EntityKind.ListedType, name) : Entity.Other,
        _ => Entity.Other,
    };

    private Entity ResolveQualified(Entity left, string name)
    {
        switch (left.Kind)
        {
            case EntityKind.Namespace:
                string dotted = left.Name!.Length == 0 ? name : left.Name + "." + name;
                if (_own.Types.Contains(dotted))
                {
                    return new Entity(EntityKind.OwnType, dotted);
                }

                if (_api.Types.Contains(dotted))
                {
                    return new Entity(EntityKind.ListedType, dotted);
                }

                return IsNamespace(dotted) ? new Entity(EntityKind.Namespace, dotted) : new Entity(EntityKind.Unknown, dotted);
            case EntityKind.ListedType:
                string nested = left.Name + "." + name;
                return _api.Types.Contains(nested) ? new Entity(EntityKind.ListedType, nested) : Entity.Other;
            case EntityKind.OwnType:
                string ownNested = left.Name + "." + name;
                return _own.Types.Contains(ownNested) ? new Entity(EntityKind.OwnType, ownNested) : Entity.Other;
            default:
                return Entity.Other;
        }
    }

    /// <summary>A simple name that is not a variable: a type or namespace, looked up as C# does.</summary>
    private Entity ResolveSimpleName(string name, SyntaxNode context)
    {
        // Types nested in the enclosing firmware types.
        foreach (MemberDeclarationSyntax type in context.Ancestors().OfType<MemberDeclarationSyntax>().Where(m => m is BaseTypeDeclarationSyntax))
        {
            string nested = AdapterApiChecker.FullNameOf(type) + "." + name;
            if (_own.Types.Contains(nested))
            {
                return new Entity(EntityKind.OwnType, nested);
            }
        }

        // Members of the enclosing namespaces, innermost first, down to the global namespace.
        string ns = AdapterApiChecker.NamespaceOf(context);
        while (true)
        {
            string dotted = ns.Length == 0 ? name : ns + "." + name;
            if (_own.Types.Contains(dotted))
            {
                return new Entity(EntityKind.OwnType, dotted);
            }

            if (_api.Types.Contains(dotted))
            {
                return new Entity(EntityKind.ListedType, dotted);
            }

            if (IsNamespace(dotted))
            {
                return new Entity(EntityKind.Namespace, dotted);
            }

            if (ns.Length == 0)
            {
                break;
            }

            ns = ns.Contains('.') ? ns.Substring(0, ns.LastIndexOf('.')) : string.Empty;
        }

        if (_aliases.TryGetValue(name, out NameSyntax? alias))
        {
            string target = alias.ToString();
            return _own.Types.Contains(target) ? new Entity(EntityKind.OwnType, target)
                : _api.Types.Contains(target) ? new Entity(EntityKind.ListedType, target)
                : IsNamespace(target) ? new Entity(EntityKind.Namespace, target)
                : new Entity(EntityKind.Unknown, target);
        }

        var candidates = new List<Entity>();
        foreach (string imported in _usings.Distinct(StringComparer.Ordinal))
        {
            string dotted = imported + "." + name;
            if (_own.Types.Contains(dotted))
            {
                candidates.Add(new Entity(EntityKind.OwnType, dotted));
            }
            else if (_api.Types.Contains(dotted))
            {
                candidates.Add(new Entity(EntityKind.ListedType, dotted));
            }
        }

        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        return candidates.Count > 1
            ? new Entity(EntityKind.Ambiguous, string.Join(" and ", candidates.Select(c => c.Name)))
            : new Entity(EntityKind.Unknown, name);
    }

    private bool IsNamespace(string name) => _api.Namespaces.Contains(name) || _own.Namespaces.Contains(name);

    private static Entity Value(TypeReference? type) => new(EntityKind.Value, type?.ListedName, type);

    private TypeReference? TypeOf(Declaration declaration)
    {
        if (declaration.Type is IdentifierNameSyntax { Identifier.Text: "var" } && declaration.Initializer != null)
        {
            // var: the type is only known from a creation, a cast or an 'as'.
            return declaration.Initializer switch
            {
                ObjectCreationExpressionSyntax creation => ResolveTypeReference(creation.Type),
                CastExpressionSyntax cast => ResolveTypeReference(cast.Type),
                BinaryExpressionSyntax binary when binary.IsKind(SyntaxKind.AsExpression) && binary.Right is TypeSyntax asType => ResolveTypeReference(asType),
                ArrayCreationExpressionSyntax array => ResolveTypeReference(array.Type),
                LiteralExpressionSyntax literal when literal.IsKind(SyntaxKind.StringLiteralExpression) => new TypeReference("System.String", null),
                _ => null,
            };
        }

        return declaration.Type == null ? null : ResolveTypeReference(declaration.Type);
    }

    private TypeReference? ResolveTypeReference(TypeSyntax type)
    {
        if (type is ArrayTypeSyntax array)
        {
            TypeSyntax elementSyntax = array.RankSpecifiers.Count > 1 ? SyntaxFactory.ArrayType(array.ElementType, SyntaxFactory.List(array.RankSpecifiers.Skip(1))) : array.ElementType;
            return new TypeReference("System.Array", ResolveTypeReference(elementSyntax));
        }

        Entity entity = ResolveTypeOrNamespace(type);
        return entity.Kind == EntityKind.ListedType ? new TypeReference(entity.Name, null) : new TypeReference(null, null);
    }

    /// <summary>The nearest declaration of <paramref name="identifier"/>'s name whose scope contains it (declared before it, for locals).</summary>
    private Declaration? FindVariable(IdentifierNameSyntax identifier, bool typeMembersOnly = false)
    {
        string name = identifier.Identifier.Text;
        int position = identifier.SpanStart;
        return _declarations
            .Where(d => d.Name == name && d.Scope.Span.Contains(identifier.Span) && (!d.Ordered || d.Position < position))
            .Where(d => !typeMembersOnly || d.Scope is BaseTypeDeclarationSyntax)
            .OrderBy(d => d.Scope.Span.Length)
            .FirstOrDefault();
    }

    private void CollectDeclarations()
    {
        foreach (SyntaxNode node in _root.DescendantNodes())
        {
            switch (node)
            {
                case VariableDeclaratorSyntax declarator when declarator.Parent is VariableDeclarationSyntax declaration:
                    SyntaxNode? scope = declaration.Parent switch
                    {
                        FieldDeclarationSyntax or EventFieldDeclarationSyntax => declaration.Parent.Parent,
                        LocalDeclarationStatementSyntax local => local.Parent,
                        ForStatementSyntax or UsingStatementSyntax or FixedStatementSyntax => declaration.Parent,
                        _ => null,
                    };
                    if (scope != null)
                    {
                        bool ordered = scope is not BaseTypeDeclarationSyntax;
                        _declarations.Add(new Declaration(declarator.Identifier.Text, declaration.Type, declarator.Initializer?.Value, scope, declarator.SpanStart, ordered));
                    }

                    break;
                case PropertyDeclarationSyntax property when property.Parent != null:
                    _declarations.Add(new Declaration(property.Identifier.Text, property.Type, null, property.Parent, 0, false));
                    foreach (AccessorDeclarationSyntax setter in property.AccessorList?.Accessors.Where(a => a.Keyword.IsKind(SyntaxKind.SetKeyword) || a.Keyword.IsKind(SyntaxKind.InitKeyword)) ?? Enumerable.Empty<AccessorDeclarationSyntax>())
                    {
                        _declarations.Add(new Declaration("value", property.Type, null, setter, 0, false));
                    }

                    break;
                case EventDeclarationSyntax @event when @event.Parent != null:
                    _declarations.Add(new Declaration(@event.Identifier.Text, @event.Type, null, @event.Parent, 0, false));
                    break;
                case ParameterSyntax parameter when parameter.Parent?.Parent != null:
                    SyntaxNode owner = parameter.Parent is ParameterListSyntax or BracketedParameterListSyntax ? parameter.Parent.Parent! : parameter.Parent!;
                    _declarations.Add(new Declaration(parameter.Identifier.Text, parameter.Type, null, owner, 0, false));
                    break;
                case ForEachStatementSyntax loop:
                    _declarations.Add(new Declaration(loop.Identifier.Text, loop.Type, null, loop, 0, false));
                    break;
                case CatchDeclarationSyntax caught when caught.Identifier.Text.Length > 0 && caught.Parent != null:
                    _declarations.Add(new Declaration(caught.Identifier.Text, caught.Type, null, caught.Parent, 0, false));
                    break;
                case SingleVariableDesignationSyntax designation:
                    TypeSyntax? designated = designation.Parent switch
                    {
                        DeclarationExpressionSyntax expression => expression.Type,
                        DeclarationPatternSyntax pattern => pattern.Type,
                        _ => null,
                    };
                    SyntaxNode designationScope = (SyntaxNode?)designation.Ancestors().FirstOrDefault(a => a is BlockSyntax or SwitchSectionSyntax or ArrowExpressionClauseSyntax or LambdaExpressionSyntax) ?? _root;
                    _declarations.Add(new Declaration(designation.Identifier.Text, designated, null, designationScope, designation.SpanStart, true));
                    break;
            }
        }
    }

    private void Violation(SyntaxNode node, string message)
    {
        int line = node.GetLocation().GetLineSpan().StartLinePosition.Line + 1;
        var violation = new AdapterViolation(_file, line, message);
        if (!_result.Violations.Contains(violation))
        {
            _result.Violations.Add(violation);
        }
    }
}
