using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Response;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Lab.Alerts;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.Service.Storage;
using SecureDevice.Service.Tests.EndToEnd;
using SecureDevice.Service.Tests.Storage;
using SecureDevice.Tool.Cli;
using Xunit;
using StoredAction = SecureDevice.Service.Storage.ActionRecord;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// <c>securedevice respond ... --data DIR [--database URL]</c>: the operator's command line acts through the fleet
/// service's own path (<see cref="OperatorResponse"/>), so the running service's database, which the console and the
/// API read, agrees with what was done: the device's state, its presence offline with the reason, the actions row (who,
/// what, device, when, origin), the owner's alert (delivered by the running service from the outbox), and the ladder's
/// rows. Real mosquitto with its dynamic-security plugin, the real service, SQLite and PostgreSQL.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OperatorResponseTests : IDisposable
{
    private static readonly CancellationToken None = CancellationToken.None;
    private readonly ServiceLab _lab = new();
    private readonly PostgresFixture _postgres;

    public OperatorResponseTests(PostgresFixture postgres) => _postgres = postgres;

    public void Dispose() => _lab.Dispose();

    private static string Actor => "cli:alice@" + Environment.MachineName;

    [Theory]
    [MemberData(nameof(StoreFactory.Dialects), MemberType = typeof(StoreFactory))]
    public async Task CliQuarantine_WithData_DatabaseShowsQuarantinedOfflineAndAudited_OwnerAlerted_LiftReverses(string dialect)
    {
        string? url = dialect == "postgres" ? _postgres.NewDatabase() : null;
        EnrolledDevice device = _lab.Enroll("op", 1)[0];
        byte[] secret = RandomNumberGenerator.GetBytes(32);
        using var inbox = WebhookInbox.Start(secret);
        string contacts = Path.Combine(_lab.Lab.Folder, "contacts.json");
        FileCustomerContacts.Save(contacts, new[] { new CustomerContacts("acme", inbox.Url, secret, Array.Empty<string>()) });
        using var integration = new FleetIntegration(new IntegrationOptions { ContactsFile = contacts, AllowLoopbackWebhooks = true });
        await using RunningService service = await _lab.StartAsync(_lab.Options(url), integration.Extensions);
        IFleetStore store = service.Service.Store;
        await using DevicePublisher publisher = (await _lab.ConnectAsync(new[] { device }))[0];
        await publisher.PublishAsync("status", Encoding.ASCII.GetBytes("online"), None, retain: true);
        await ServiceLab.WaitUntil(async () => (await store.GetDeviceAsync(device.Id, None))!.Presence == "online", TimeSpan.FromSeconds(20), "the device online");

        long before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        ToolResult quarantined = Respond("quarantine", device.Id, url, "--contacts", contacts);
        long after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        Assert.True(quarantined.ExitCode == 0, quarantined.ToString());
        Assert.StartsWith("quarantine " + device.Id + ": done: ", quarantined.Output, StringComparison.Ordinal);

        // What the console's device page and the API read: state, presence with the reason, the audit row.
        DeviceRecord row = (await store.GetDeviceAsync(device.Id, None))!;
        Assert.Equal(("quarantined", "offline", "quarantined: disconnected by the broker"), (row.ServiceState, row.Presence, row.PresenceReason));
        Assert.InRange(row.PresenceMs!.Value, before, after);
        StoredAction action = Assert.Single(await store.ListActionsAsync(device.Id, 10, None));
        Assert.Equal(("quarantine", Actor, "ticket 4711", "done"), (action.Kind, action.Actor, action.Reason, action.Outcome));
        Assert.InRange(action.AtMs, before, after);
        using (DynamicSecurityAdmin admin = _lab.Lab.Admin())
        {
            Assert.Equal(DeviceAccess.Quarantined, (await admin.GetAsync(device.Id)).Access);
        }

        // The owner hears of it as from the console: queued in the outbox, delivered by the running service, signed.
        await ServiceLab.WaitUntil(() => Task.FromResult(inbox.Snapshot().Any(a => a.Device == device.Id && a.State == "quarantined")), TimeSpan.FromSeconds(20), "the quarantine alert");

        ToolResult lifted = Respond("lift", device.Id, url, "--contacts", contacts);
        Assert.True(lifted.ExitCode == 0, lifted.ToString());
        row = (await store.GetDeviceAsync(device.Id, None))!;
        Assert.Equal("normal", row.ServiceState);
        Assert.Equal("offline", row.Presence); // as after the console's lift: online when the device says so again
        Assert.Equal(new[] { "lift done", "quarantine done" }, (await store.ListActionsAsync(device.Id, 10, None)).Select(a => a.Kind + " " + a.Outcome));
        using (DynamicSecurityAdmin admin = _lab.Lab.Admin())
        {
            Assert.Equal(DeviceAccess.Normal, (await admin.GetAsync(device.Id)).Access);
        }

        await ServiceLab.WaitUntil(() => Task.FromResult(inbox.Snapshot().Any(a => a.Device == device.Id && a.State == "normal")), TimeSpan.FromSeconds(20), "the lift alert");
        Assert.All(inbox.Snapshot(), a => Assert.True(a.SignatureValid));

        // The response layer's own hash-chained file audit, beside the service's, with the origin.
        using var audit = new FileActionAudit(Path.Combine(_lab.Lab.Data, "actions-" + OperatorResponse.Instance + ".jsonl"));
        Assert.Equal(new[] { "Quarantine Started", "Quarantine Done", "Lift Started", "Lift Done" }, audit.Read(device.Id).Select(r => r.Kind + " " + r.Outcome));
        Assert.All(audit.Read(device.Id), r => Assert.Equal((Actor, "cli@" + Environment.MachineName), (r.Actor, r.Origin)));
    }

    /// <summary>
    /// The running service remembers each device's ladder step in memory; a lift from the command line (another process)
    /// deletes the database's row. A device that offends again after that lift is throttled again by the service,
    /// not ignored as "already quarantined".
    /// </summary>
    [Fact]
    public async Task CliLift_OfAnAutomaticQuarantine_RunningServiceThrottlesARepeatOffenderAgain()
    {
        EnrolledDevice junk = _lab.Enroll("junk", 1)[0];
        using var integration = new FleetIntegration(new IntegrationOptions { Ladder = new LadderPolicy { BadMessages = 5, Grace = TimeSpan.FromSeconds(1) } });
        ServiceOptions options = _lab.Options() with { Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) } };
        await using RunningService service = await _lab.StartAsync(options, integration.Extensions);
        IFleetStore store = service.Service.Store;

        async Task<bool> Garbage(string kind, int count)
        {
            await using DevicePublisher publisher = (await _lab.ConnectAsync(new[] { junk }))[0];
            for (int i = 0; i < 8 && publisher.Connected; i++)
            {
                await Quietly(() => publisher.PublishAsync("health", Encoding.ASCII.GetBytes("garbage " + i), None));
            }

            try
            {
                await ServiceLab.WaitUntil(async () => (await store.ListActionsAsync(junk.Id, 20, None)).Count(a => a.Kind == kind && a.Outcome == "done") >= count,
                    TimeSpan.FromSeconds(10), kind + " " + count);
                return true;
            }
            catch (TimeoutException)
            {
                return false;
            }
        }

        Assert.True(await Garbage("throttle", 1), "the first offence is throttled");
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        Assert.True(await Garbage("quarantine", 1), "an offence after the grace period is quarantined");

        ToolResult lifted = Respond("lift", junk.Id, null);
        Assert.True(lifted.ExitCode == 0, lifted.ToString());
        Assert.Equal("normal", (await store.GetDeviceAsync(junk.Id, None))!.ServiceState);

        Assert.True(await Garbage("throttle", 2), "after the operator's lift, a new offence is throttled again");

        // The dispatcher writes the action record and the device's state in one transaction: whoever sees the record sees the state.
        Assert.Equal("throttled", (await store.GetDeviceAsync(junk.Id, None))!.ServiceState);
    }

    /// <summary>
    /// A quarantine from the command line took at the real broker, then its record failed (a trigger planted in the
    /// database fails the presence cut's event): the command line says the action stays pending, and the database
    /// still says "normal" while the broker holds the device quarantined. The service, started with its clock past the
    /// reconciler's bound, reads the device's client from the broker's dynamic-security plugin at its first pass and
    /// completes the row done, with the state and the cut the record would have had. Before, nothing ever did.
    /// </summary>
    [Fact]
    public async Task CliQuarantine_WhoseRecordFailed_IsCompletedByTheServicesReconcilerFromTheRealBroker()
    {
        EnrolledDevice device = _lab.Enroll("pend", 1)[0];
        var sql = new SqliteDialect(_lab.Lab.Data);
        await using (var created = new FleetStore(new SqliteDialect(_lab.Lab.Data)))
        {
            await created.MigrateAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), None);
        }

        await StoreFactory.PlantFailureAsync(sql, "sqlite", $"INSERT ON {Tables.Events}");
        ToolResult quarantined = Respond("quarantine", device.Id, null);
        Assert.True(quarantined.ExitCode == 1, quarantined.ToString());
        Assert.Contains("stays pending until the service reconciles it", quarantined.ToString(), StringComparison.Ordinal);
        using (DynamicSecurityAdmin admin = _lab.Lab.Admin())
        {
            Assert.Equal(DeviceAccess.Quarantined, (await admin.GetAsync(device.Id)).Access);
        }

        await using (var store = new FleetStore(new SqliteDialect(_lab.Lab.Data)))
        {
            Assert.Equal("pending", Assert.Single(await store.ListActionsAsync(device.Id, 10, None)).Outcome);
            Assert.Equal("normal", (await store.GetDeviceAsync(device.Id, None))!.ServiceState);
        }

        await StoreFactory.RemoveFailureAsync(sql, "sqlite", Tables.Events);
        using var integration = new FleetIntegration(new IntegrationOptions(), new LaterClock(ResponseDispatcher.ReconcileAfter + TimeSpan.FromMinutes(1)));
        await using RunningService service = await _lab.StartAsync(_lab.Options(), integration.Extensions);
        IFleetStore running = service.Service.Store;

        await ServiceLab.WaitUntil(async () => (await running.ListActionsAsync(device.Id, 10, None)).Single().Outcome != "pending", TimeSpan.FromSeconds(20), "the reconciler's pass");
        StoredAction action = Assert.Single(await running.ListActionsAsync(device.Id, 10, None));
        Assert.Equal(("quarantine", "done", Actor), (action.Kind, action.Outcome, action.Actor));
        Assert.Equal("reconciled after a failed record: the broker holds quarantined", action.Detail);
        DeviceRecord row = (await running.GetDeviceAsync(device.Id, None))!;
        Assert.Equal(("quarantined", "offline", "quarantined: disconnected by the broker"), (row.ServiceState, row.Presence, row.PresenceReason));
    }

    [Fact]
    public async Task BadInput_ExitsTwoWithOneLine_ChangesNothing_ThenTheSameCommandDoes()
    {
        EnrolledDevice device = _lab.Enroll("bad", 1)[0];
        await using (var created = new FleetStore(new SqliteDialect(_lab.Lab.Data)))
        {
            await created.MigrateAsync(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), None);
        }

        string missing = Path.Combine(_lab.Lab.Folder, "no-such-folder");
        string empty = Path.Combine(_lab.Lab.Folder, "empty");
        Directory.CreateDirectory(empty);
        string notADatabase = Path.Combine(_lab.Lab.Folder, "garbage");
        Directory.CreateDirectory(notADatabase);
        File.WriteAllText(Path.Combine(notADatabase, SqliteDialect.FileName), "this is not a database\n");
        string aFile = Path.Combine(_lab.Lab.Folder, "a-file");
        File.WriteAllText(aFile, "x");
        string audit = Path.Combine(_lab.Lab.Folder, "audit.jsonl");

        var cases = new List<(string[] Args, string Says)>
        {
            (Args("quarantine", "dev-nobody", _lab.Lab.Data), "UnknownDevice"),
            (Args("quarantine", device.Id, missing), "does not exist"),
            (Args("quarantine", device.Id, aFile), "does not exist"),
            (Args("quarantine", device.Id, empty), "no service database"),
            (Args("quarantine", device.Id, notADatabase), "cannot open the database"),
            (Args("quarantine", device.Id, _lab.Lab.Data, "--audit", audit), "one of them"),
            (Args("quarantine", device.Id, _lab.Lab.Data, "--actor", "service"), "automatic actor"),
            (Args("quarantine", device.Id, _lab.Lab.Data, "--reason", "a\u001b[2Jb"), "control characters"),
            (Args("quarantine", device.Id, _lab.Lab.Data, "--database", "mysql://x"), "postgres://"),
        };
        foreach ((string[] args, string says) in cases)
        {
            AssertRefused(Run(args), says, string.Join(' ', args));
        }

        Assert.False(Directory.Exists(missing));
        Assert.False(File.Exists(Path.Combine(empty, SqliteDialect.FileName)), "no database is created in a folder without one");
        Assert.False(File.Exists(audit));
        await AssertUnchangedAsync(device.Id);

        // A database of a newer schema (a newer service runs on it): refused, left as it is.
        var sql = new SqliteDialect(_lab.Lab.Data);
        await StoreFactory.ExecuteAsync(sql, "INSERT INTO " + Tables.Migrations + " (version, name, applied_ms) VALUES (" + (Migrations.Latest + 1) + ", 'future', 0)");
        AssertRefused(Respond("quarantine", device.Id, null), "newer than this tool knows", "newer schema");
        await AssertUnchangedAsync(device.Id);
        Assert.Equal(1, await StoreFactory.ExecuteAsync(sql, "DELETE FROM " + Tables.Migrations + " WHERE version = " + (Migrations.Latest + 1)));

        // The same command on good input acts (so each refusal above was the check, not the command line's shape).
        ToolResult done = Respond("quarantine", device.Id, null);
        Assert.True(done.ExitCode == 0, done.ToString());
        await using var store = new FleetStore(sql);
        Assert.Equal("quarantined", (await store.GetDeviceAsync(device.Id, None))!.ServiceState);
    }

    private void AssertRefused(ToolResult result, string says, string what)
    {
        Assert.True(result.ExitCode == 2, what + ": " + result);
        Assert.Equal("", result.Output);
        Assert.Single(result.Error.TrimEnd('\n').Split('\n'));
        Assert.Contains(says, result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("\u001b", result.Error, StringComparison.Ordinal);
    }

    /// <summary>Nothing recorded or done: no action row, state and presence as enrolled, the broker's rights intact, no file audit.</summary>
    private async Task AssertUnchangedAsync(string deviceId)
    {
        await using (var store = new FleetStore(new SqliteDialect(_lab.Lab.Data)))
        {
            Assert.Empty(await store.ListActionsAsync(null, 10, None));
            DeviceRecord? row = await store.GetDeviceAsync(deviceId, None);
            Assert.True(row == null || (row.ServiceState, row.PresenceReason) == ("normal", null));
        }

        using DynamicSecurityAdmin admin = _lab.Lab.Admin();
        Assert.Equal(DeviceAccess.Normal, (await admin.GetAsync(deviceId)).Access);
        Assert.False(File.Exists(Path.Combine(_lab.Lab.Data, "actions-" + OperatorResponse.Instance + ".jsonl")));
    }

    private string[] Args(string step, string device, string data, params string[] more)
    {
        var args = new List<string>
        {
            "respond", step, device, "--pki", _lab.Lab.Pki.Folder, "--broker", "localhost:" + _lab.Lab.Port.ToString(CultureInfo.InvariantCulture), "--data", data,
        };
        // A later --actor or --reason replaces the default one.
        if (!more.Contains("--actor"))
        {
            args.AddRange(new[] { "--actor", "alice" });
        }

        if (!more.Contains("--reason"))
        {
            args.AddRange(new[] { "--reason", "ticket 4711" });
        }

        args.AddRange(more);
        return args.ToArray();
    }

    private ToolResult Respond(string step, string device, string? url, params string[] more) =>
        Run(Args(step, device, _lab.Lab.Data, url == null ? more : more.Concat(new[] { "--database", url }).ToArray()));

    private static ToolResult Run(string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        int exit = ToolCli.Run(args, new ToolConsole(output, error, () => DateTimeOffset.UtcNow));
        return new ToolResult(exit, output.ToString(), error.ToString());
    }

    private static async Task Quietly(Func<Task> publish)
    {
        try
        {
            await publish();
        }
        catch (Exception error) when (error is InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException or OperationCanceledException)
        {
            // The broker threw it off at the quarantine: expected.
        }
    }

    /// <summary>The system's clock, ahead by <paramref name="ahead"/>: the service acts as if that much time had passed.</summary>
    private sealed class LaterClock(TimeSpan ahead) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => base.GetUtcNow() + ahead;
    }

    private sealed record ToolResult(int ExitCode, string Output, string Error)
    {
        public override string ToString() => "exit " + ExitCode + "\nstdout: " + Output + "\nstderr: " + Error;
    }
}
