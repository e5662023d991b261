using System;
using System.IO;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Pki;
using SecureDevice.Service.Hosting;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Service.Tests.Hosting;

/// <summary>Issuing a service instance's identities: its own and its command identity, keys owner-only, never overwriting.</summary>
public sealed class ServiceIdentityTests : IDisposable
{
    private readonly TemporaryDirectory _folder = new("identity");
    private readonly PkiLayout _pki;

    public ServiceIdentityTests()
    {
        PkiFolder.Init(_folder.Combine("pki"), new[] { "localhost" }, new[] { IPAddress.Loopback }, DateTimeOffset.UtcNow);
        _pki = new PkiLayout(_folder.Combine("pki"));
    }

    public void Dispose() => _folder.Dispose();

    private string P(string name) => Path.Combine(_pki.Folder, name);

    [Fact]
    public void Issue_FurtherInstance_WritesItAndItsCommandIdentity_KeysOwnerOnly_CnsAsNamed()
    {
        ServiceIdentity.Issue(_pki, "service.2", DateTimeOffset.UtcNow);
        foreach (string name in new[] { "service.2", "commands.service.2" })
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(P(name + ".key.pem")));
            using IssuedCertificate issued = CertificateAuthority.Load(P(name + ".pem"), P(name + ".key.pem"));
            Assert.Equal(name, issued.Certificate.GetNameInfo(X509NameType.SimpleName, false));
        }
    }

    [Fact]
    public void PkiInit_IssuesTheServicesCommandIdentity_KeyOwnerOnly()
    {
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_pki.CommandKey));
        using IssuedCertificate issued = CertificateAuthority.Load(_pki.CommandCertificate, _pki.CommandKey);
        Assert.Equal("commands.service", issued.Certificate.GetNameInfo(X509NameType.SimpleName, false));
    }

    // A PKI folder made before command identities existed: 'service identity service' issues the command identity alone.
    [Fact]
    public void Issue_Service_WritesOnlyItsMissingCommandIdentity_ThenRefusesToOverwrite()
    {
        byte[] service = File.ReadAllBytes(_pki.ServiceKey);
        File.Delete(_pki.CommandCertificate);
        File.Delete(_pki.CommandKey);
        ServiceIdentity.Issue(_pki, "service", DateTimeOffset.UtcNow);
        Assert.Equal(service, File.ReadAllBytes(_pki.ServiceKey));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(_pki.CommandKey));
        byte[] command = File.ReadAllBytes(_pki.CommandKey);
        FleetException again = Assert.Throws<FleetException>(() => ServiceIdentity.Issue(_pki, "service", DateTimeOffset.UtcNow));
        Assert.Equal(FleetError.AlreadyExists, again.Error);
        Assert.Equal(command, File.ReadAllBytes(_pki.CommandKey));
    }

    // Never overwrites, and writes nothing when any of the four files exists: a leftover command identity of an
    // instance keeps its key, and the instance gets no identity without its command identity.
    [Fact]
    public void Issue_AnyFileExists_RefusesAndWritesNothing()
    {
        File.WriteAllText(P("commands.service.3.key.pem"), "kept");
        FleetException refused = Assert.Throws<FleetException>(() => ServiceIdentity.Issue(_pki, "service.3", DateTimeOffset.UtcNow));
        Assert.Equal(FleetError.AlreadyExists, refused.Error);
        Assert.Equal("kept", File.ReadAllText(P("commands.service.3.key.pem")));
        Assert.False(File.Exists(P("service.3.pem")));
        Assert.False(File.Exists(P("service.3.key.pem")));

        ServiceIdentity.Issue(_pki, "service.4", DateTimeOffset.UtcNow);
        byte[] key = File.ReadAllBytes(P("service.4.key.pem"));
        Assert.Throws<FleetException>(() => ServiceIdentity.Issue(_pki, "service.4", DateTimeOffset.UtcNow));
        Assert.Equal(key, File.ReadAllBytes(P("service.4.key.pem")));
    }

    [Theory]
    [InlineData("commands.service")]
    [InlineData("commands.service.2")]
    [InlineData("service.")]
    [InlineData("service.A")]
    [InlineData("service.2.commands")]
    [InlineData("dev-001")]
    [InlineData("operator")]
    public void Issue_NotAnInstanceName_Refused_NothingWritten(string name)
    {
        int before = Directory.GetFiles(_pki.Folder).Length;
        FleetException refused = Assert.Throws<FleetException>(() => ServiceIdentity.Issue(_pki, name, DateTimeOffset.UtcNow));
        Assert.Equal(FleetError.InvalidArgument, refused.Error);
        Assert.Equal(before, Directory.GetFiles(_pki.Folder).Length);
    }

    // The command identity's name can be neither an instance's nor a device's: the dot keeps it from being a device id,
    // the prefix from being service.N.
    [Theory]
    [InlineData("service")]
    [InlineData("service.2")]
    [InlineData("service.a-b")]
    public void CommandName_IsNeverAnInstanceNameNorADeviceId(string instance)
    {
        string name = ServiceIdentity.CommandName(instance);
        Assert.False(ServiceIdentity.IsInstanceName(name));
        Assert.False(SecureDevice.Core.Text.SafeName.IsDeviceId(name));
        Assert.False(SecureDevice.Fleet.Broker.BrokerRights.IsDeviceUser(name));
    }
}
