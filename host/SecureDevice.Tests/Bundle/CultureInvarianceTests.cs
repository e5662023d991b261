using System;
using System.Globalization;
using System.Text;
using System.Threading;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Connectivity;
using Xunit;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Bundle;

/// <summary>
/// D6: the portable core must decide the same way under every culture. On the host, string.ToLower(), StartsWith(string)
/// and EndsWith(string) follow the current culture (tr-TR lower-cases 'I' to dotless 'ı'); the device has no cultures at
/// all. These run the core's decisions under cultures known for their casing and comparison rules.
/// </summary>
public sealed class CultureInvarianceTests
{
    public static TheoryData<string> Cultures => new() { "", "en-US", "tr-TR", "az-Latn-AZ", "lt-LT", "de-DE", "th-TH" };

    private static T Under<T>(string culture, Func<T> action)
    {
        CultureInfo saved = CultureInfo.CurrentCulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo(culture);
            return action();
        }
        finally
        {
            CultureInfo.CurrentCulture = saved;
        }
    }

    private static byte[] Manifest(string first, string second) => Encoding.ASCII.GetBytes(
        "{\"format\":1,\"product\":\"sensor\",\"hardware\":[\"esp32\"],\"version\":\"1.0.0\",\"securityVersion\":1,\"minLoaderVersion\":1,"
        + "\"created\":\"2026-01-01T00:00:00Z\",\"keyId\":\"k\",\"entry\":{\"assembly\":\"" + first[..^3] + "\",\"type\":\"A.B\",\"method\":\"Start\"},"
        + "\"files\":[{\"name\":\"" + first + "\",\"size\":1,\"sha256\":\"" + new string('0', 64) + "\"},"
        + "{\"name\":\"" + second + "\",\"size\":1,\"sha256\":\"" + new string('1', 64) + "\"}]}");

    [Theory]
    [MemberData(nameof(Cultures))]
    public void ManifestParser_NamesDifferingOnlyInCase_RefusedUnderEveryCulture(string culture)
    {
        foreach (var (a, b) in new[] { ("I.pe", "i.pe"), ("LIB.pe", "lib.pe"), ("Ii.pe", "iI.pe") })
        {
            byte[] bytes = Manifest(a, b);
            DocumentStatus status = Under(culture, () => new ManifestParser().TryParse(bytes, 0, bytes.Length, out _));
            Assert.True(status == DocumentStatus.Inconsistent, culture + " " + a + "/" + b + ": " + status);
        }
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void ManifestParser_DistinctNames_AcceptedUnderEveryCulture(string culture)
    {
        byte[] bytes = Manifest("I.pe", "J.pe");
        Assert.Equal(DocumentStatus.Valid, Under(culture, () => new ManifestParser().TryParse(bytes, 0, bytes.Length, out _)));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void SafeName_AssemblyFileName_SameAnswerUnderEveryCulture(string culture)
    {
        Assert.True(Under(culture, () => SafeName.IsAssemblyFileName("App.pe", 48)));
        Assert.False(Under(culture, () => SafeName.IsAssemblyFileName("App.PE", 48)));
        Assert.False(Under(culture, () => SafeName.IsAssemblyFileName("App.p", 48)));
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void Topics_DownLeaf_OrdinalUnderEveryCulture(string culture)
    {
        var topics = new Topics("devices", "dev-I");
        Assert.Equal("update", Under(culture, () => topics.DownLeaf("devices/dev-I/down/update")));
        Assert.Null(Under(culture, () => topics.DownLeaf("devices/dev-i/down/update")));
        Assert.Null(Under(culture, () => topics.DownLeaf("devices/dev-\u0130/down/update")));
    }
}
