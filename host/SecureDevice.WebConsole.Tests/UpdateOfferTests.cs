using System;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Core.Text;
using SecureDevice.Core.Update;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Offering a signed bundle from the console (docs/console.md, "Update offers").</summary>
public sealed class UpdateOfferTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    /// <summary>
    /// A device's offer is recorded in the rollout and in the action audit in one transaction. Written in two, a failure
    /// (or a crash) after the rollout's row left the device recorded without its audit row, and a recorded device is
    /// never offered again, so the row never came. Here the audit row's insert fails (a trigger the test plants): neither
    /// row remains and the device is still to be offered; once it succeeds, both are there.
    /// </summary>
    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task PublishOne_TheAuditRowFails_NeitherIsRecorded_AndTheDeviceIsOfferedAgain(string dialectName)
    {
        using var folder = new TemporaryDirectory("offer-record");
        using SecureDevice.Lab.Postgres.PostgresCluster? cluster = TestDatabases.Cluster(dialectName);
        SqlDialect dialect = await TestDatabases.OpenAsync(folder, cluster, "offer_record");
        await using var store = new FleetStore(dialect);
        await store.MigrateAsync(1000, None);
        await store.SyncRegistryAsync(new[] { new RegistryEntry("dev-a", "acme", "01", new string('a', 64), 10_000_000, 0, "active", null) }, 1000, None);
        var rollouts = new Updates.RolloutStore(dialect);
        var waves = new Updates.RolloutWaveStore(dialect);
        Assert.True(Updates.WavePlan.TryCreate("100%", null, 20, 30, false, new System.Collections.Generic.List<string>(), out Updates.WavePlan plan));
        long id = await waves.AddAsync(RolloutWaveTests.Rollout(1), plan, new[] { new[] { "dev-a" } }, 2000, "console:o@127.0.0.1", None);
        var offers = new Updates.UpdateOffers(null, new RecordingPublisher(), store, rollouts, waves, null!, TimeProvider.System);
        byte[] payload = Encoding.UTF8.GetBytes("{}");

        await ExecuteAsync(dialect, dialectName == "sqlite"
            ? $"CREATE TRIGGER tr_planted_failure BEFORE INSERT ON {Tables.Actions} BEGIN SELECT RAISE(ABORT, 'planted failure'); END"
            : "CREATE FUNCTION fn_planted_failure() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'planted failure'; END $$;\n"
                + $"CREATE TRIGGER tr_planted_failure BEFORE INSERT ON {Tables.Actions} FOR EACH ROW EXECUTE FUNCTION fn_planted_failure()");
        await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => offers.PublishOneAsync(id, "b", payload, "dev-a", null, "console:o@127.0.0.1", "t", None));
        Assert.Empty(await rollouts.DevicesAsync(id, None));
        Assert.Empty(await store.ListActionsAsync("dev-a", 10, None));
        Assert.Equal(new[] { "dev-a" }, await waves.UnpublishedAsync(id, 1, None));

        await ExecuteAsync(dialect, "DROP TRIGGER tr_planted_failure" + (dialectName == "sqlite" ? string.Empty : " ON " + Tables.Actions));
        await offers.PublishOneAsync(id, "b", payload, "dev-a", null, "console:o@127.0.0.1", "t", None);
        Assert.Equal("published", Assert.Single(await rollouts.DevicesAsync(id, None)).Outcome);
        ActionRecord audit = Assert.Single(await store.ListActionsAsync("dev-a", 10, None));
        Assert.Equal(("offer", "done"), (audit.Kind, audit.Outcome));
        Assert.Empty(await waves.UnpublishedAsync(id, 1, None));
    }

    /// <summary>The test's own statement (planting and removing a failure).</summary>
    private static async Task ExecuteAsync(SqlDialect dialect, string sql)
    {
        await using var connection = await dialect.OpenAsync(None);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(None);
    }

    [Fact]
    public async Task Offer_VerifiedBundleToOwnDevice_PublishesTheDevicesOffer_AuditsIt_AndTheRolloutShowsEventsInert()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(op);

        Answer offered = await client.PostFormAsync("/updates", "/updates?handler=Offer",
            ("Bundle", ConsoleTestHost.Bundle), ("Target", "device"), ("Device", ConsoleTestHost.AcmeDevice), ("Reason", "field fix <b>1</b>"));
        Assert.Equal(HttpStatusCode.OK, offered.Status);
        Assert.Contains("Accepted", offered.Body, StringComparison.Ordinal);
        Assert.Empty(host.Publisher!.Commands); // recorded in the request, published by the worker
        Assert.Equal(1, await host.TickAsync());

        // Exactly one message, on the device's down/update topic, not retained, and the payload is what the device's own parser accepts.
        var command = Assert.Single(host.Publisher!.Commands);
        Assert.Equal("devices/" + ConsoleTestHost.AcmeDevice + "/down/update", command.Topic);
        Assert.False(command.Retain);
        Assert.Equal(DocumentStatus.Valid, new UpdateOfferParser().TryParse(command.Payload, 0, command.Payload.Length, out UpdateOffer? offer));
        Assert.Equal(ConsoleTestHost.BundleBaseUrl + ConsoleTestHost.Bundle + "/", offer!.Url);
        string manifestDigest = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(host.BundleFolder!, ConsoleTestHost.Bundle, "manifest.json"))));
        Assert.Equal("{\"url\":\"" + ConsoleTestHost.BundleBaseUrl + ConsoleTestHost.Bundle + "/\",\"manifestSha256\":\"" + manifestDigest + "\"}", Encoding.UTF8.GetString(command.Payload));

        // Audited like the other actions: who, from where, what, which device.
        ActionRecord audit = Assert.Single(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None));
        Assert.Equal("offer", audit.Kind);
        Assert.Equal("console:acme-operator@127.0.0.1", audit.Actor);
        Assert.Equal("done", audit.Outcome);
        Assert.Contains(manifestDigest, audit.Detail, StringComparison.Ordinal);

        // The device reports progress with hostile text; the rollout and device pages show it encoded.
        long rolloutId = long.Parse(Regex.Match(offered.Body, "/updates/(\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        host.Clock.Advance(TimeSpan.FromSeconds(5));
        long device = (await host.Store.ListDevicesAsync(None)).Single(d => d.DeviceId == ConsoleTestHost.AcmeDevice).Ref;
        var batch = new IngestBatch();
        batch.Events.Add(new EventRow(device, ConsoleTestHost.AcmeDevice, host.Clock.GetUtcNow().ToUnixTimeMilliseconds(), "update", "update:2:9", 2, 9,
            "{\"state\":\"idle\",\"outcome\":\"rejected:hash-mismatch\",\"version\":\"" + ConsoleTestHost.XssImg + "\",\"detail\":\"" + ConsoleTestHost.XssScript + "\u202Eend\"}")); // a right-to-left override too
        await host.Store.CommitAsync(batch, None);
        Answer rollout = await client.GetAsync("/updates/" + rolloutId);
        Assert.Equal(HttpStatusCode.OK, rollout.Status);
        Assert.Contains("rejected:hash-mismatch", rollout.Body, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;", rollout.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", rollout.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<img", rollout.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("\u202E", rollout.Body, StringComparison.Ordinal); // made visible (Printable.Escape), not left for the browser to apply
        Assert.Contains("&lt;/script&gt;\\u{202e}end", rollout.Body, StringComparison.Ordinal);
        Assert.Contains(manifestDigest, rollout.Body, StringComparison.Ordinal);
        Assert.Contains("field fix &lt;b&gt;1&lt;/b&gt;", rollout.Body, StringComparison.Ordinal);
        Answer devicePage = await client.GetAsync("/devices/" + ConsoleTestHost.AcmeDevice);
        Assert.Contains("/updates/" + rolloutId, devicePage.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("<img", devicePage.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(ConsoleTestHost.Bundle, (await client.GetAsync("/updates")).Body, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("tampered-payload")]
    [InlineData("tampered-manifest")]
    [InlineData("unsigned")]
    [InlineData("foreign-root")]
    public async Task Offer_BundleThatDoesNotVerify_IsRefused_NothingPublishedOrAudited(string damage)
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("staff-operator", ConsoleRole.Operator, null);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(op);
        string bundle = Path.Combine(host.BundleFolder!, ConsoleTestHost.Bundle);
        switch (damage)
        {
            case "tampered-payload":
                Flip(Path.Combine(bundle, "Sensor.App.pe"));
                break;
            case "tampered-manifest":
                File.WriteAllText(Path.Combine(bundle, "manifest.json"), File.ReadAllText(Path.Combine(bundle, "manifest.json")).Replace("1.1.0", "1.1.1", StringComparison.Ordinal));
                break;
            case "unsigned":
                File.Delete(Path.Combine(bundle, "manifest.sig"));
                break;
            default:
                // A bundle signed by a root the devices do not trust, dropped into the folder.
                using (var other = new TemporaryDirectory("foreign-bundle"))
                {
                    ConsoleTestHost.SignBundle(other.Path, host.Clock);
                    foreach (string file in Directory.GetFiles(Path.Combine(other.Path, ConsoleTestHost.Bundle)))
                    {
                        File.Copy(file, Path.Combine(bundle, Path.GetFileName(file)), overwrite: true);
                    }
                }

                break;
        }

        string token = await client.TokenAsync("/updates");
        Answer refused = await client.PostRawAsync("/updates?handler=Offer", new[]
        {
            Field("Bundle", ConsoleTestHost.Bundle), Field("Target", "device"), Field("Device", ConsoleTestHost.AcmeDevice), Field("Reason", "x"), Field("__sd_csrf", token),
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        Assert.Contains("BundleRefused", refused.Body, StringComparison.Ordinal);
        Assert.Empty(host.Publisher!.Commands);
        Assert.Empty(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None));
    }

    [Fact]
    public async Task Offer_Groups_StayInsideTheTenant_AndForeignTargetsAre404()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        // Both devices on version code 7: a version group must still not cross tenants.
        long globex = (await host.Store.ListDevicesAsync(None)).Single(d => d.DeviceId == ConsoleTestHost.GlobexDevice).Ref;
        var batch = new IngestBatch();
        batch.Seen.Add(new DeviceSeen(globex, host.Clock.GetUtcNow().ToUnixTimeMilliseconds(), 1, 1, 7));
        await host.Store.CommitAsync(batch, None);
        TestUser acmeOp = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        TestUser staffOp = await host.CreateUserAsync("staff-operator", ConsoleRole.Operator, null);
        using ConsoleClient acme = host.Client();
        await acme.LoginAsync(acmeOp);
        using ConsoleClient staff = host.Client();
        await staff.LoginAsync(staffOp);

        Answer byVersion = await acme.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "group"), ("Version", "7"), ("Reason", "v7"));
        Assert.Equal(HttpStatusCode.OK, byVersion.Status);
        await host.TickAsync();
        Assert.Equal(new[] { "devices/" + ConsoleTestHost.AcmeDevice + "/down/update" }, host.Publisher!.Commands.Select(c => c.Topic));

        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "group"), ("Customer", ConsoleTestHost.Globex), ("Reason", "x"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "device"), ("Device", ConsoleTestHost.GlobexDevice), ("Reason", "x"))).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "device"), ("Device", "no-such-device"), ("Reason", "x"))).Status);
        Assert.Single(host.Publisher.Commands);

        host.Publisher.Commands.Clear();
        Assert.Equal(HttpStatusCode.OK, (await staff.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "group"), ("Customer", ConsoleTestHost.Globex), ("Reason", "g"))).Status);
        await host.TickAsync();
        Assert.Equal(new[] { "devices/" + ConsoleTestHost.GlobexDevice + "/down/update" }, host.Publisher.Commands.Select(c => c.Topic));
        host.Publisher.Commands.Clear();
        Answer fleetWide = await staff.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "group"), ("Version", "7"), ("Reason", "all on 7"));
        Assert.Equal(HttpStatusCode.OK, fleetWide.Status);
        await host.TickAsync();
        Assert.Equal(2, host.Publisher.Commands.Count);

        // The staff rollout over two customers is not the acme operator's to see; acme's own rollout is.
        string acmeRollouts = (await acme.GetAsync("/updates")).Body;
        Assert.Contains("v7", acmeRollouts, StringComparison.Ordinal);
        Assert.DoesNotContain("all on 7", acmeRollouts, StringComparison.Ordinal);
        long mixed = long.Parse(Regex.Match(fleetWide.Body, "/updates/(\\d+)").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal(HttpStatusCode.NotFound, (await acme.GetAsync("/updates/" + mixed)).Status);
        Assert.Equal(HttpStatusCode.OK, (await staff.GetAsync("/updates/" + mixed)).Status);
    }

    [Theory]
    [InlineData("Bundle", "../sensor-1.1.0")]
    [InlineData("Bundle", "sensor-1.1.0/../x")]
    [InlineData("Bundle", "<script>")]
    [InlineData("Bundle", "")]
    [InlineData("Bundle", "no-such-bundle")]
    [InlineData("Target", "everything")]
    [InlineData("Device", "dev/+/#")]
    [InlineData("Device", "")]
    [InlineData("Reason", "")]
    [InlineData("Version", "-1")]
    [InlineData("Version", "7 OR 1=1")]
    [InlineData("Customer", "acme' OR '1'='1")]
    [InlineData("Waves", "10%,5%,100%")]
    [InlineData("Waves", "50%")]
    [InlineData("Waves", "1%;100%")]
    [InlineData("Waves", "5,100%' OR '1'='1")]
    [InlineData("WaveTimeoutMinutes", "0")]
    [InlineData("WaveTimeoutMinutes", "99999")]
    [InlineData("HaltPercent", "101")]
    public async Task Offer_OutsideTheFormsSchema_Is400_AndNothingIsPublished(string field, string value)
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("staff-operator", ConsoleRole.Operator, null);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(op);
        var fields = new System.Collections.Generic.Dictionary<string, string>
        {
            ["Bundle"] = ConsoleTestHost.Bundle, ["Target"] = field is "Version" or "Customer" ? "group" : "device", ["Device"] = ConsoleTestHost.AcmeDevice, ["Reason"] = "why",
        };
        if (field is "Waves" or "WaveTimeoutMinutes" or "HaltPercent")
        {
            fields["Target"] = "group"; // a valid group, so the wave field alone is at fault
            fields["Customer"] = ConsoleTestHost.Acme;
        }

        fields[field] = value;
        Answer answer = await client.PostFormAsync("/updates", "/updates?handler=Offer", fields.Select(p => (p.Key, p.Value)).ToArray());
        Assert.Equal(HttpStatusCode.BadRequest, answer.Status);
        Assert.Equal(0, await host.TickAsync());
        Assert.Empty(host.Publisher!.Commands);
        Assert.Empty(await host.Store.ListActionsAsync(null, 10, None));
    }

    [Fact]
    public async Task Offer_LongReason_CrossSitePost_NotConfigured_BrokerRefusal_AreHandled()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("staff-operator", ConsoleRole.Operator, null);
        using ConsoleClient client = host.Client();
        await client.LoginAsync(op);
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "device"), ("Device", ConsoleTestHost.AcmeDevice), ("Reason", new string('r', 201)))).Status);
        // No antiforgery token: refused before the handler runs.
        Assert.Equal(HttpStatusCode.BadRequest, (await client.PostRawAsync("/updates?handler=Offer", new[] { Field("Bundle", ConsoleTestHost.Bundle), Field("Target", "device"), Field("Device", ConsoleTestHost.AcmeDevice), Field("Reason", "csrf") }, origin: "https://evil.example")).Status);
        Assert.Empty(host.Publisher!.Commands);

        // The broker refuses for good (topic name invalid): the worker records it as failed, in the rollout and the audit, and moves on.
        host.Publisher.Answer = SecureDevice.Fleet.Broker.BrokerAccessStatus.NotAuthorized;
        host.Publisher.Reason = MQTTnet.MqttClientPublishReasonCode.TopicNameInvalid;
        Answer failed = await client.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "device"), ("Device", ConsoleTestHost.AcmeDevice), ("Reason", "refused"));
        Assert.Equal(HttpStatusCode.OK, failed.Status);
        Assert.Equal(2, await host.TickAsync()); // refused for good, so judged at once: its only device failed, so the rollout failed
        Assert.Equal("failed", Assert.Single(await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, None)).Outcome);

        await using ConsoleTestHost off = await ConsoleTestHost.StartAsync(offers: false);
        TestUser offOp = await off.CreateUserAsync("staff-operator", ConsoleRole.Operator, null);
        using ConsoleClient offClient = off.Client();
        await offClient.LoginAsync(offOp);
        Assert.Contains("Offers are off", (await offClient.GetAsync("/updates")).Body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await offClient.PostFormAsync("/updates", "/updates?handler=Offer", ("Bundle", ConsoleTestHost.Bundle), ("Target", "device"), ("Device", ConsoleTestHost.AcmeDevice), ("Reason", "x"))).Status);
    }

    [Fact]
    public void Catalog_SkipsLinksAndBadNames_AndRefusesAPlainHttpBaseUrl()
    {
        var clock = new ManualClock();
        using var folder = new TemporaryDirectory("catalog");
        Updates.BundleSource source = ConsoleTestHost.SignBundle(folder.Combine("bundles"), clock);
        Directory.CreateSymbolicLink(folder.Combine("bundles", "linked"), folder.Combine("bundles", ConsoleTestHost.Bundle));
        Directory.CreateDirectory(folder.Combine("bundles", ".hidden"));
        var catalog = new Updates.BundleCatalog(source);
        Updates.BundleEntry entry = Assert.Single(catalog.List(clock.GetUtcNow().ToUnixTimeSeconds()));
        Assert.True(entry.Verified, entry.Detail);
        Assert.Null(catalog.Check("linked", clock.GetUtcNow().ToUnixTimeSeconds()));
        Assert.Null(catalog.Check("..", clock.GetUtcNow().ToUnixTimeSeconds()));
        Assert.Throws<ArgumentException>(() => new Updates.BundleCatalog(source with { BaseUrl = new Uri("http://updates.example/bundles/") }));
        Assert.Throws<ArgumentException>(() => new Updates.BundleCatalog(source with { BaseUrl = new Uri("https://updates.example/bundles/?x=1") }));
        Assert.Throws<ArgumentException>(() => new Updates.BundleCatalog(source with { BaseUrl = new Uri("https://updates.example/bundles") }));
    }

    private static System.Collections.Generic.KeyValuePair<string, string> Field(string name, string value) => System.Collections.Generic.KeyValuePair.Create(name, value);

    private static void Flip(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(path, bytes);
    }
}
