using System.IO;
using SecureDevice.Fleet.Pki;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Pki;

public sealed class InventoryTests
{
    // A valid entry whose "product" value follows (then "}").
    private const string ProductEntry = "{\"id\":\"dev-1\",\"serial\":\"0A1B\",\"sha256\":\"" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12" + "\",\"product\":";

    private const string Entry = "{\"id\":\"dev-1\",\"owner\":\"acme\",\"serial\":\"0A1B\",\"sha256\":\"" + "ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12ab12" + "\",\"notAfter\":\"2028-01-01T00:00:00+00:00\",\"provisioned\":\"2026-01-01T00:00:00+00:00\",\"status\":\"revoked\"}";

    [Theory]
    [InlineData("")]
    [InlineData("null")]
    [InlineData("[]")]
    [InlineData("{\"format\":2,\"crlNumber\":1,\"devices\":[]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":null}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[null]}")]
    [InlineData("{\"format\":1,\"crlNumber\":-1,\"devices\":[]}")]
    [InlineData("{\"format\":1,\"crlNumber\":9223372036854775807,\"devices\":[]}")]
    [InlineData("{\"format\":1,\"crlNumber\":99999999999999999999999,\"devices\":[]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1.5,\"devices\":[]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[],\"extra\":1}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[" + Entry + "," + Entry + "]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev/1\",\"serial\":\"0A\",\"sha256\":\"00\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-1\",\"serial\":\"XYZ\",\"sha256\":\"00\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-1\",\"serial\":\"0A\",\"sha256\":\"00\",\"status\":\"gone\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-1\",\"serial\":\"0A\",\"sha256\":\"00\",\"status\":1}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-1\",\"owner\":\"a b\",\"serial\":\"0A\",\"sha256\":\"00\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[{\"id\":\"dev-1\",\"serial\":\"0A\",\"sha256\":\"00\",\"notAfter\":\"yesterday\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[[[[[[[[[[[]]]]]]]]]]]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[" + ProductEntry + "\"Sensor A\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[" + ProductEntry + "\"\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[" + ProductEntry + "\"-sensor\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[" + ProductEntry + "\"sensor\\u001b[31m\"}]}")]
    [InlineData("{\"format\":1,\"crlNumber\":1,\"devices\":[" + ProductEntry + "\"abcdefghijabcdefghijabcdefghijabc\"}]}")]
    public void Load_CorruptFile_IsOneLineCorruptState(string json)
    {
        using var folder = new TemporaryDirectory("inventory");
        File.WriteAllText(folder.Combine("inventory.json"), json);
        FleetException error = Assert.Throws<FleetException>(() => Inventory.Load(folder.Combine("inventory.json")));
        Assert.Equal(FleetError.CorruptState, error.Error);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void Load_ProductRecorded_RoundTrips_AbsentIsNull()
    {
        using var folder = new TemporaryDirectory("inventory");
        File.WriteAllText(folder.Combine("inventory.json"), "{\"format\":1,\"crlNumber\":7,\"devices\":[" + ProductEntry + "\"sensor-v2.1\"}," + Entry.Replace("dev-1", "dev-2") + "]}");
        Inventory inventory = Inventory.Load(folder.Combine("inventory.json"));
        Assert.Equal("sensor-v2.1", inventory.Find("dev-1")!.Product);
        Assert.Null(inventory.Find("dev-2")!.Product);
        Assert.Contains("\"product\": \"sensor-v2.1\"", System.Text.Encoding.UTF8.GetString(inventory.Serialize()));
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(System.Text.Encoding.UTF8.GetString(inventory.Serialize()), "\"product\""));
    }

    [Fact]
    public void Load_ValidFile_RoundTripsOwnerAndStatus()
    {
        using var folder = new TemporaryDirectory("inventory");
        File.WriteAllText(folder.Combine("inventory.json"), "{\"format\":1,\"crlNumber\":7,\"devices\":[" + Entry + "]}");
        Inventory inventory = Inventory.Load(folder.Combine("inventory.json"));
        Assert.Equal("acme", inventory.Find("DEV-1")!.Owner);
        Assert.Equal(DeviceStatus.Revoked, inventory.FindBySerial("0a1b")!.Status);
        Assert.Contains("\"status\": \"revoked\"", System.Text.Encoding.UTF8.GetString(inventory.Serialize()));
    }
}
