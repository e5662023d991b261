using System;
using System.IO;
using System.Linq;
using System.Net;
using SecureDevice.Fleet.Devices;
using SecureDevice.Fleet.Pki;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Fleet.Tests.Pki;

/// <summary>
/// Revocation's pair of files under crashes (docs/revocation.md): a crash at each point between the writes, then the
/// next command; the CRL is read back with OpenSSL, an independent reader.
/// </summary>
public sealed class CrlPublisherTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly TemporaryDirectory _folder = new("crl");
    private readonly PkiLayout _pki;

    public CrlPublisherTests()
    {
        PkiFolder.Init(_folder.Combine("pki"), new[] { "localhost" }, new[] { IPAddress.Loopback }, Now);
        _pki = new PkiLayout(_folder.Combine("pki"));
        foreach (string id in new[] { "dev-1", "dev-2" })
        {
            Provisioning.Provision(new ProvisionRequest { Pki = _pki, DeviceId = id, OutputFolder = _folder.Combine("devices"), Settings = DeviceSettings.For("localhost"), Now = Now });
        }
    }

    public void Dispose()
    {
        CrlPublisher.CrashPoint = null;
        _folder.Dispose();
    }

    private sealed class Crash : Exception
    {
    }

    private string Serial(string id) => Inventory.Load(_pki.Inventory).Find(id)!.Serial;

    private string CrlText() => ExternalProcess.OpenSsl("crl", "-in", _pki.Crl, "-noout", "-text", "-CAfile", _pki.DeviceCaCertificate).EnsureSuccess("openssl crl").Output;

    private static long CrlNumber(string text)
    {
        string[] lines = text.Replace("\r", string.Empty).Split('\n');
        int at = Array.FindIndex(lines, l => l.Contains("X509v3 CRL Number", StringComparison.Ordinal));
        return long.Parse(lines[at + 1].Trim(), System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public void CrashBeforeAnyRename_LeavesTheOldPairAndNoTemporaryFile()
    {
        string inventoryBefore = File.ReadAllText(_pki.Inventory);
        string crlBefore = File.ReadAllText(_pki.Crl);
        CrlPublisher.CrashPoint = point => throw (point == "temporaries-written" ? new Crash() : null!);
        Assert.Throws<Crash>(() => Revocation.Revoke(_pki, "dev-1", Now));
        CrlPublisher.CrashPoint = null;
        Assert.Equal(inventoryBefore, File.ReadAllText(_pki.Inventory));
        Assert.Equal(crlBefore, File.ReadAllText(_pki.Crl));
        Assert.Empty(Directory.GetFiles(_pki.Folder, "*.tmp"));
    }

    [Theory]
    [InlineData("revoke")]
    [InlineData("crl")]
    [InlineData("provision")]
    public void CrashBetweenTheRenames_TheNextCommandFinishesTheCrl(string next)
    {
        CrlPublisher.CrashPoint = point =>
        {
            if (point == "inventory-renamed")
            {
                throw new Crash();
            }
        };
        Assert.Throws<Crash>(() => Revocation.Revoke(_pki, "dev-1", Now));
        CrlPublisher.CrashPoint = null;

        // The state the crash left: the inventory says revoked (CRL number 2), crl.pem is still number 1 without the serial.
        Assert.Equal(DeviceStatus.Revoked, Inventory.Load(_pki.Inventory).Find("dev-1")!.Status);
        Assert.DoesNotContain("Serial Number: " + Serial("dev-1"), CrlText());
        switch (next)
        {
            case "revoke":
                Assert.Equal(RevocationOutcome.AlreadyRevoked, Revocation.Revoke(_pki, "dev-1", Now).Outcome);
                break;
            case "crl":
                Revocation.ReissueCrl(_pki, Now);
                break;
            default:
                Provisioning.Provision(new ProvisionRequest { Pki = _pki, DeviceId = "dev-3", OutputFolder = _folder.Combine("devices"), Settings = DeviceSettings.For("localhost"), Now = Now });
                break;
        }

        string crl = CrlText();
        Assert.Contains("Serial Number: " + Serial("dev-1"), crl);
        Assert.DoesNotContain("Serial Number: " + Serial("dev-2"), crl);
        Assert.Equal(Inventory.Load(_pki.Inventory).CrlNumber, CrlNumber(crl));
        Assert.Equal(3, CrlNumber(crl));
    }

    [Fact]
    public void InventoryOlderThanTheCrl_IsCorrectedAndNothingIsUnrevoked()
    {
        string older = File.ReadAllText(_pki.Inventory);
        Revocation.Revoke(_pki, "dev-2", Now);
        long number = Inventory.Load(_pki.Inventory).CrlNumber;
        File.WriteAllText(_pki.Inventory, older);
        long next = Revocation.ReissueCrl(_pki, Now);
        Assert.True(next > number, next + " > " + number);
        Assert.Contains("Serial Number: " + Serial("dev-2"), CrlText());
        Assert.Equal(DeviceStatus.Revoked, Inventory.Load(_pki.Inventory).Find("dev-2")!.Status);
    }

    [Fact]
    public void Revoke_UnknownDevice_NotFoundAndNothingWritten()
    {
        string before = File.ReadAllText(_pki.Crl);
        Assert.Equal(FleetError.NotFound, Assert.Throws<FleetException>(() => Revocation.Revoke(_pki, "dev-9", Now)).Error);
        Assert.Equal(before, File.ReadAllText(_pki.Crl));
    }
}
