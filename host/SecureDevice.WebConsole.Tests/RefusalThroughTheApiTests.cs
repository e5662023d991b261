using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;
using SecureDevice.Core.FloodGuard;
using SecureDevice.Core.Update;
using SecureDevice.Doubles;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Updates;
using SecureDevice.Lab.Signing;
using SecureDevice.VirtualDevice;
using SecureDevice.VirtualDevice.Updates;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Updates;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// The device has the last word: bundles it must refuse, offered through <c>POST /api/v1/offers</c> with an operator's
/// token, reach two virtual devices running the real core's loader and update engine (mutual TLS through mosquitto,
/// bundles over HTTPS from an update server with a certificate of the fleet PKI). One is offered a bundle whose payload on
/// the update server is not the bytes its manifest was signed over (the download server tampered with, or a man in the
/// middle); the other a correctly signed older version (a rollback). Each refuses, reports why, and keeps running its
/// version; <c>GET /api/v1/rollouts/{id}</c> shows the refusal with the device's reason, the service's detection raises
/// its <c>update-rejected</c> finding, and the console shows both (anomaly feed, device page).
/// </summary>
[Collection(ServiceCollection.Name)]
public sealed class RefusalThroughTheApiTests
{
    private const string Tampered = "dev-tampered-001", RolledBack = "dev-rollback-001";
    private const string Downgrade = "sensor-0.9.0";

    [Fact]
    public async Task OfferThroughTheApi_TamperedAndOlderBundles_VirtualDevicesRefuseAndKeepTheirVersion_RolloutsShowTheReason()
    {
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using SigningKit kit = ConsoleTestHost.ReleaseKit(now);
        string catalog = string.Empty, served = string.Empty;
        await using LiveFleet fleet = await LiveFleet.StartAsync("refusal-api", detection: true, (lab, options, owned) =>
        {
            // What the console offers (verified there, as the device would) and what the update server serves: the same
            // bundles, except that the served 1.1.0 payload was changed after signing.
            catalog = Path.Combine(lab.Folder, "catalog");
            served = Path.Combine(lab.Folder, "served");
            Directory.CreateDirectory(served);
            using IssuedCertificate root = CertificateAuthority.Load(lab.Pki.RootCertificate, lab.Pki.RootKey);
            using IssuedCertificate server = CertificateAuthority.CreateServer(root, "updates", new[] { "localhost" }, new[] { IPAddress.Loopback }, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            using X509Certificate2 withKey = server.Certificate.CopyWithPrivateKey(server.Key);
            UpdateServer updates = UpdateServer.Start(served, 0, X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null));
            owned.Add(updates);
            var publisher = new MqttCommandPublisher(BrokerEndpoint.For(lab.Pki, "localhost", lab.Port), BrokerIdentity.Operator(lab.Pki));
            owned.Add(publisher);
            BundleSource bundles = ConsoleTestHost.SignBundle(catalog, kit, now, new Uri(updates.BaseUrl), SimulatedApplication.EntryAssembly("1.1.0"));
            kit.Write(kit.Sign("sensor", new[] { "esp32" }, "0.9.0", 1, now - 60, new[] { ("Sensor.App.pe", SimulatedApplication.EntryAssembly("0.9.0")) }), Path.Combine(catalog, Downgrade), now);
            return options with { Bundles = bundles, OfferPublisher = publisher };
        });
        CopyTampered(catalog, served);

        TestUser op = await fleet.CreateUserAsync("olga", ConsoleRole.Operator);
        using HttpClient api = await fleet.ApiAsync(op);
        using SecureDevice.VirtualDevice.VirtualDevice tampered = await BootAsync(fleet, kit, now, Tampered);
        using SecureDevice.VirtualDevice.VirtualDevice rolledBack = await BootAsync(fleet, kit, now, RolledBack);
        string versionCode = await VersionCodeAsync(api, Tampered);

        long tamperedRollout = await OfferAsync(api, ConsoleTestHost.Bundle, Tampered);
        long rollbackRollout = await OfferAsync(api, Downgrade, RolledBack);
        JsonElement tamperedSeen = await RefusedAsync(api, tamperedRollout, tampered);
        JsonElement rollbackSeen = await RefusedAsync(api, rollbackRollout, rolledBack);

        // The device's reason, as it reported it: the payload's hash is not the signed one; the version is older than the
        // running one. A refused bundle is no candidate: the event names no version.
        Assert.Equal(("published", "rejected:hash-mismatch", null), (tamperedSeen.GetProperty("broker").GetString(), tamperedSeen.GetProperty("outcome").GetString(), tamperedSeen.GetProperty("reportedVersion").GetString()));
        Assert.Equal(("published", "rejected:downgrade", null), (rollbackSeen.GetProperty("broker").GetString(), rollbackSeen.GetProperty("outcome").GetString(), rollbackSeen.GetProperty("reportedVersion").GetString()));

        // Both keep running 1.0.0 without a reboot, and keep reporting it to the service.
        foreach (SecureDevice.VirtualDevice.VirtualDevice device in new[] { tampered, rolledBack })
        {
            Assert.Equal(("1.0.0", 0), (device.RunningVersion, device.SelfReboots));
            Assert.True(device.Connected, device.Id + " dropped its connection");
            Assert.Equal(versionCode, await VersionCodeAsync(api, device.Id));
        }

        // The service's detection raised the update-rejection finding for each (the rule trusts the device's word, and says so).
        foreach (string deviceId in new[] { Tampered, RolledBack })
        {
            JsonElement finding = default;
            await LiveFleet.WaitAsync(async () =>
            {
                using JsonDocument findings = JsonDocument.Parse(await api.GetStringAsync("/api/v1/devices/" + deviceId + "/findings"));
                finding = findings.RootElement.EnumerateArray().FirstOrDefault(f => f.GetProperty("rule").GetString() == "update-rejected").Clone();
                return finding.ValueKind == JsonValueKind.Object;
            }, TimeSpan.FromSeconds(30), () => deviceId + ": no update-rejected finding");
            Assert.Equal("open", finding.GetProperty("state").GetString());
        }

        // The console shows the same: the finding in the anomaly feed, the device's refusal and its reason on its page.
        using HttpClient console = await fleet.SignInAsync(op);
        string feed = await console.GetStringAsync("/feed");
        Assert.Matches(Tampered + "</a></td><td>update-rejected</td>", feed);
        Assert.Matches(RolledBack + "</a></td><td>update-rejected</td>", feed);
        string tamperedPage = await console.GetStringAsync("/devices/" + Tampered);
        Assert.Contains("<td>rejected:hash-mismatch</td>", tamperedPage, StringComparison.Ordinal);
        Assert.Contains("Sensor.App.pe: hash-mismatch", tamperedPage, StringComparison.Ordinal);
        Assert.Contains("<td>rejected:downgrade</td>", await console.GetStringAsync("/devices/" + RolledBack), StringComparison.Ordinal);
    }

    /// <summary>Copies the catalog's bundles to the update server's folder, then changes one byte of the served 1.1.0 payload (its signed hash stays the original's).</summary>
    private static void CopyTampered(string catalog, string served)
    {
        foreach (string file in Directory.EnumerateFiles(catalog, "*", SearchOption.AllDirectories))
        {
            string copy = Path.Combine(served, Path.GetRelativePath(catalog, file));
            Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
            File.Copy(file, copy);
        }

        string payload = Directory.EnumerateFiles(Path.Combine(served, ConsoleTestHost.Bundle), "*.pe", SearchOption.AllDirectories).Single();
        byte[] bytes = File.ReadAllBytes(payload);
        bytes[bytes.Length / 2] ^= 0x5A;
        File.WriteAllBytes(payload, bytes);
    }

    /// <summary>A provisioned virtual device with updates on, flashed at the factory with sensor 1.0.0 (security version 1), connected, its boot report stored.</summary>
    private static async Task<SecureDevice.VirtualDevice.VirtualDevice> BootAsync(LiveFleet fleet, SigningKit kit, long now, string deviceId)
    {
        DeviceIdentity identity = await fleet.ProvisionAsync(deviceId);
        var flash = new MemoryFileStore();
        SigningKit.InstallInto(kit.Sign("sensor", new[] { "esp32" }, "1.0.0", 1, now - 60, new[] { ("Sensor.App.pe", SimulatedApplication.EntryAssembly("1.0.0")) }), flash, SlotLayout.SlotA);
        X509Certificate2 root = fleet.Lab.Root;
        var device = new SecureDevice.VirtualDevice.VirtualDevice(identity, flash, new BackoffConfig { BootWindowMs = 0 }, () => identity.Endpoint("127.0.0.1"), new UpdateOptions
        {
            Anchors = kit.Anchors(),
            Source = () => new HttpsBundleSource(root, TimeSpan.FromSeconds(10)),
            OfferSpacingMs = 0,
        });
        device.Start();
        Assert.Equal("1.0.0", device.RunningVersion);
        await LiveFleet.WaitAsync(() => Task.FromResult(device.Connected && device.Agent.HealthReportsAcknowledged > 0), TimeSpan.FromSeconds(30), () => deviceId + " did not connect and report");
        return device;
    }

    /// <summary>The firmware version code the service has for the device (from its reports), through <c>GET /api/v1/devices/{id}</c>.</summary>
    private static async Task<string> VersionCodeAsync(HttpClient api, string deviceId)
    {
        string code = "null";
        await LiveFleet.WaitAsync(async () =>
        {
            using JsonDocument device = JsonDocument.Parse(await api.GetStringAsync("/api/v1/devices/" + deviceId));
            code = device.RootElement.GetProperty("versionCode").GetRawText();
            return code != "null";
        }, TimeSpan.FromSeconds(30), () => deviceId + ": the service has no version for it");
        return code;
    }

    /// <summary>Offers <paramref name="bundle"/> to one device through <c>POST /api/v1/offers</c>; asserts 202 and returns the rollout id.</summary>
    private static async Task<long> OfferAsync(HttpClient api, string bundle, string deviceId)
    {
        using HttpResponseMessage offered = await api.PostAsync("/api/v1/offers", new StringContent(
            "{\"bundle\":\"" + bundle + "\",\"target\":\"device\",\"device\":\"" + deviceId + "\",\"reason\":\"must be refused\"}", Encoding.UTF8, "application/json"));
        string answer = await offered.Content.ReadAsStringAsync();
        Assert.True(offered.StatusCode == HttpStatusCode.Accepted, offered.StatusCode + " " + answer);
        return JsonDocument.Parse(answer).RootElement.GetProperty("rolloutId").GetInt64();
    }

    /// <summary>Polls <c>GET /api/v1/rollouts/{id}</c> until its one device shows a rejection outcome; returns that device entry.</summary>
    private static async Task<JsonElement> RefusedAsync(HttpClient api, long rolloutId, SecureDevice.VirtualDevice.VirtualDevice device)
    {
        JsonElement seen = default;
        await LiveFleet.WaitAsync(async () =>
        {
            using JsonDocument view = JsonDocument.Parse(await api.GetStringAsync("/api/v1/rollouts/" + rolloutId));
            JsonElement[] listed = view.RootElement.GetProperty("devices").EnumerateArray().ToArray(); // empty until the worker published
            Assert.True(listed.Length <= 1, view.RootElement.ToString());
            seen = listed.Length == 1 ? listed[0].Clone() : seen;
            return listed.Length == 1 && seen.GetProperty("outcome").GetString() is string outcome && outcome.StartsWith("rejected:", StringComparison.Ordinal);
        }, TimeSpan.FromSeconds(60), () => device.Id + ": the rollout never showed a refusal; last seen " + seen + "; device " + device.RunningVersion
            + " engine " + device.Updates?.Status.State + " " + device.Updates?.Status.LastOutcome + " " + device.Updates?.Status.LastDetail);
        Assert.Equal(device.Id, seen.GetProperty("device").GetString());
        return seen;
    }
}
