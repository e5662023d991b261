using System;
using System.IO;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Response.Alerts;

public sealed class CustomerContactsTests : IDisposable
{
    private const string Secret = "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldC0xMjM0NQ==";
    private readonly TemporaryDirectory _folder = new("contacts");

    public void Dispose() => _folder.Dispose();

    private string Write(string json, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        string path = _folder.Combine("contacts.json");
        File.WriteAllText(path, json);
        File.SetUnixFileMode(path, mode);
        return path;
    }

    [Fact]
    public void Load_ValidFile_FindsCustomers_SecretNeverInText()
    {
        string path = Write("{\"format\":1,\"customers\":[{\"id\":\"acme\",\"webhook\":{\"url\":\"https://hooks.acme.example/sd\",\"secret\":\"" + Secret + "\"},\"email\":[\"ops@acme.example\"]},{\"id\":\"globex\",\"email\":[\"a@globex.example\"]}]}");
        var contacts = new FileCustomerContacts(path);
        CustomerContacts acme = contacts.Find("acme")!;
        Assert.Equal("https://hooks.acme.example/sd", acme.WebhookUrl!.ToString());
        Assert.Equal(40, acme.WebhookSecret!.Length);
        Assert.DoesNotContain("c2Vj", acme.ToString(), StringComparison.Ordinal);
        Assert.Null(contacts.Find("globex")!.WebhookUrl);
        Assert.Null(contacts.Find("initech"));
    }

    [Fact]
    public void Save_WritesA0600FileThatLoadsBack()
    {
        string path = _folder.Combine("saved.json");
        FileCustomerContacts.Save(path, new[] { new CustomerContacts("acme", new Uri("https://h.example/x"), new byte[32], new[] { "o@acme.example" }) });
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal("o@acme.example", new FileCustomerContacts(path).Find("acme")!.Emails[0]);
    }

    [Fact]
    public void Load_ReadableByOthers_IsRefused()
    {
        string path = Write("{\"format\":1,\"customers\":[]}", UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        Assert.Equal(FleetError.UnsafeFile, Assert.Throws<FleetException>(() => new FileCustomerContacts(path)).Error);
    }

    [Theory]
    [InlineData("{\"format\":1,\"customers\":[{\"id\":\"acme\",\"extra\":1}]}")]
    [InlineData("{\"format\":2,\"customers\":[]}")]
    [InlineData("{\"format\":1,\"customers\":[{\"id\":\"acme\"},{\"id\":\"acme\"}]}")]
    [InlineData("{\"format\":1,\"customers\":[{\"id\":\"acme\",\"webhook\":{\"url\":\"http://hooks.example/x\",\"secret\":\"" + Secret + "\"}}]}")]
    [InlineData("{\"format\":1,\"customers\":[{\"id\":\"acme\",\"webhook\":{\"url\":\"https://h.example/x\",\"secret\":\"c2hvcnQ=\"}}]}")]
    [InlineData("{\"format\":1,\"customers\":[{\"id\":\"acme\",\"email\":[\"Bob <b@x.example>\"]}]}")]
    [InlineData("{\"format\":1,\"customers\":[{\"id\":\"acme\",\"email\":[\"b@x.example\\r\\nBcc: evil@x.example\"]}]}")]
    [InlineData("{\"format\":1,\"customers\":[{\"id\":\"../acme\"}]}")]
    [InlineData("not json")]
    public void Load_Malformed_IsCorruptState_WithoutTheSecret(string json)
    {
        FleetException error = Assert.Throws<FleetException>(() => new FileCustomerContacts(Write(json)));
        Assert.Equal(FleetError.CorruptState, error.Error);
        Assert.DoesNotContain("c2Vj", error.Message, StringComparison.Ordinal);
    }
}
