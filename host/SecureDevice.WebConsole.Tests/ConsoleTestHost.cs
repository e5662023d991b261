using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;

namespace SecureDevice.WebConsole.Tests;

/// <summary>A clock the tests move by hand.</summary>
public sealed class ManualClock : TimeProvider
{
    private DateTimeOffset _now = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    public override DateTimeOffset GetUtcNow() => _now;

    public void Advance(TimeSpan by) => _now += by;
}

/// <summary>A response mechanism that succeeds and records what it was asked.</summary>
public sealed class RecordingResponse : IDeviceResponse
{
    public List<DeviceActionRequest> Requests { get; } = new();

    public Task OnSignalAsync(DeviceSignal signal, IDeviceActions actions, CancellationToken cancellationToken) => Task.CompletedTask;

    public Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken)
    {
        lock (Requests)
        {
            Requests.Add(request);
        }

        return Task.FromResult(ActionOutcome.Succeeded("recorded"));
    }
}

/// <summary>An offer publisher that records what it was asked and answers as configured (the broker acknowledged, or refused).</summary>
public sealed class RecordingPublisher : SecureDevice.Fleet.Response.IDeviceCommandPublisher
{
    public List<SecureDevice.Fleet.Response.DeviceCommand> Commands { get; } = new();

    public SecureDevice.Fleet.Broker.BrokerAccessStatus Answer { get; set; } = SecureDevice.Fleet.Broker.BrokerAccessStatus.Done;

    /// <summary>The PUBACK reason code of a NotAuthorized answer (as <c>MqttCommandPublisher</c> reports a refused publish); null: no PUBACK (a refused CONNACK).</summary>
    public MQTTnet.MqttClientPublishReasonCode? Reason { get; set; } = MQTTnet.MqttClientPublishReasonCode.NotAuthorized;

    /// <summary>Answers for particular topics, ahead of <see cref="Answer"/>.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, SecureDevice.Fleet.Broker.BrokerAccessResult> ByTopic { get; } = new(StringComparer.Ordinal);

    /// <summary>A real publisher (a real broker) that answers instead of <see cref="Answer"/>: the command is still recorded.</summary>
    public SecureDevice.Fleet.Response.IDeviceCommandPublisher? Forward { get; set; }

    public Task<SecureDevice.Fleet.Broker.BrokerAccessResult> PublishAsync(SecureDevice.Fleet.Response.DeviceCommand command, CancellationToken cancellation = default)
    {
        lock (Commands)
        {
            Commands.Add(command);
        }

        if (ByTopic.TryGetValue(command.Topic, out SecureDevice.Fleet.Broker.BrokerAccessResult? special))
        {
            return Task.FromResult(special);
        }

        if (Forward != null)
        {
            return Forward.PublishAsync(command, cancellation);
        }

        return Task.FromResult(new SecureDevice.Fleet.Broker.BrokerAccessResult(Answer, Answer == SecureDevice.Fleet.Broker.BrokerAccessStatus.Done ? "published " + command.Topic : "refused")
        {
            PublishReason = Answer == SecureDevice.Fleet.Broker.BrokerAccessStatus.NotAuthorized ? Reason : null,
        });
    }
}

/// <summary>
/// The console on a real Kestrel (HTTPS on 127.0.0.1 with a certificate made at run time, plus a plain HTTP listener),
/// over a real migrated SQLite database seeded with two tenants' devices, wired by the production
/// <see cref="ConsoleModule.AddConsole"/> and <see cref="ConsoleModule.UseConsole"/>.
/// </summary>
public sealed class ConsoleTestHost : IAsyncDisposable
{
    public const string Acme = "acme";
    public const string Globex = "globex";
    public const string AcmeDevice = "dev-acme-1";
    public const string GlobexDevice = "dev-globex-1";
    public const string XssScript = "<script>alert('x')</script>";
    public const string XssImg = "\"><img src=x onerror=alert(1)>";

    /// <summary>The signed bundle in the host's bundle folder (signed at run time with a fresh root; no key is kept).</summary>
    public const string Bundle = "sensor-1.1.0";
    public const string BundleBaseUrl = "https://updates.example:8443/bundles/";

    private readonly TemporaryDirectory? _folder;
    private readonly SqliteDialect _dialect;
    private readonly SqliteDialect _accountsDialect;

    private ConsoleTestHost(TemporaryDirectory? folder, string dataFolder, SqliteDialect dialect, SqliteDialect accountsDialect, FleetStore store, WebApplication app, ConsoleOptions options, RecordingResponse response, X509Certificate2 certificate)
    {
        Publisher = (RecordingPublisher?)options.OfferPublisher;
        BundleFolder = options.Bundles?.Folder;
        _folder = folder;
        DataFolder = dataFolder;
        _dialect = dialect;
        _accountsDialect = accountsDialect;
        Store = store;
        App = app;
        Options = options;
        Response = response;
        Certificate = certificate;
        Accounts = app.Services.GetRequiredService<AccountService>();
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        HttpsBase = new Uri(addresses.First(a => a.StartsWith("https://", StringComparison.Ordinal)));
        HttpBase = new Uri(addresses.First(a => a.StartsWith("http://", StringComparison.Ordinal)));
    }

    public FleetStore Store { get; }

    /// <summary>The data folder: fleet.db and the console's TOTP key.</summary>
    public string DataFolder { get; }

    /// <summary>What the console published as offers (null when offers are not configured).</summary>
    public RecordingPublisher? Publisher { get; }

    /// <summary>The bundle folder (one signed bundle, <see cref="Bundle"/>), or null.</summary>
    public string? BundleFolder { get; }

    public WebApplication App { get; }

    public ConsoleOptions Options { get; }

    public ManualClock Clock => (ManualClock)Options.Time;

    public RecordingResponse Response { get; }

    public X509Certificate2 Certificate { get; }

    public AccountService Accounts { get; }

    public Uri HttpsBase { get; }

    public Uri HttpBase { get; }

    /// <param name="loginPermits">Sign-in attempts per 60 s per address and per account.</param>
    /// <param name="lockoutThreshold">Failures that lock an account.</param>
    /// <param name="apiPermits">API requests per token per 60 s.</param>
    /// <param name="configure">Further options (the failure-burst guard's thresholds: off, in effect, unless a test sets them).</param>
    /// <param name="before">Runs on the migrated, seeded database before the console starts (rows an older version wrote).</param>
    /// <param name="shareWith">Another running host whose data folder (database and TOTP key) this second console instance uses; its clock too.</param>
    /// <param name="offers">Offers configured (a signed bundle folder and a recording publisher); never for a second instance.</param>
    public static async Task<ConsoleTestHost> StartAsync(int loginPermits = 1000, int lockoutThreshold = 10, int apiPermits = 1000,
        Func<ConsoleOptions, ConsoleOptions>? configure = null, Func<SqlDialect, Task>? before = null, ConsoleTestHost? shareWith = null, bool offers = true)
    {
        TemporaryDirectory? folder = shareWith == null ? new TemporaryDirectory("securedevice-console") : null;
        string dataFolder = shareWith?.DataFolder ?? folder!.Path;
        ManualClock clock = shareWith?.Clock ?? new ManualClock();
        var dialect = new SqliteDialect(dataFolder);
        var store = new FleetStore(dialect);
        long now = clock.GetUtcNow().ToUnixTimeMilliseconds();
        if (shareWith == null)
        {
            await store.MigrateAsync(now, CancellationToken.None);
            await SeedAsync(store, now);
        }

        if (before != null)
        {
            await before(dialect);
        }

        X509Certificate2 certificate = SelfSigned();
        var options = new ConsoleOptions
        {
            Listen = new IPEndPoint(IPAddress.Loopback, 0),
            Certificate = certificate,
            Time = clock,
            LoginPermits = loginPermits,
            LockoutThreshold = lockoutThreshold,
            ApiPermits = apiPermits,
            BurstThreshold = 1_000_000,
            WaveInterval = Timeout.InfiniteTimeSpan, // no background worker: tests publish and judge with TickAsync
            Bundles = offers && folder != null ? SignBundle(folder.Combine("bundles"), clock) : null,
            OfferPublisher = offers && folder != null ? new RecordingPublisher() : null,
        };
        options = configure?.Invoke(options) ?? options;
        var response = new RecordingResponse();
        var actions = new ResponseDispatcher(response, store, new ServiceMetrics(), NullLogger.Instance, clock);
        var accountsDialect = new SqliteDialect(dataFolder);
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "SecureDevice.WebConsole.Tests", ContentRootPath = dataFolder });
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = 0; // as the service host sets it: the console raises it for its own requests
            k.Listen(IPAddress.Loopback, 0);
        });
        ConsoleModule.AddConsole(builder, options, new ConsoleBackend(store, actions, new AccountStore(accountsDialect, TotpSecretProtector.OpenOrCreate(dataFolder))));
        WebApplication app = builder.Build();
        app.MapGet("/health/live", () => "live\n");
        ConsoleModule.UseConsole(app);
        await app.StartAsync();
        return new ConsoleTestHost(folder, dataFolder, dialect, accountsDialect, store, app, options, response, certificate);
    }

    /// <summary>Two tenants' devices; the acme device sent reports over two boots, an update event with hostile text, and has a finding.</summary>
    private static async Task SeedAsync(FleetStore store, long now)
    {
        await store.SyncRegistryAsync(new[]
        {
            new RegistryEntry(AcmeDevice, Acme, "01AA", new string('a', 64), now + (365L * 86_400_000), now - 86_400_000, "active", null),
            new RegistryEntry(GlobexDevice, Globex, "02BB", new string('b', 64), now + (365L * 86_400_000), now - 86_400_000, "active", null),
        }, now, CancellationToken.None);
        IReadOnlyList<DeviceRecord> devices = await store.ListDevicesAsync(CancellationToken.None);
        long acme = devices.Single(d => d.DeviceId == AcmeDevice).Ref;
        var batch = new IngestBatch();
        for (int i = 0; i < 24; i++)
        {
            long at = now - ((24 - i) * 300_000L);
            long boot = i < 12 ? 1 : 2;
            batch.Health.Add(new HealthRow(acme, AcmeDevice, at, boot, i, 300 * (i % 12), 1, 3300 - (i * 5), 90 - i, 60, 1000 + (i * 100), 400 + (i * 10), 1200, -60, i % 3, 0, 7, 0, new byte[] { 1 }));
        }

        batch.Events.Add(new EventRow(acme, AcmeDevice, now - 60_000, "update", "update:2:1", 2, 1, "{\"stage\":\"rejected\",\"detail\":\"" + XssScript + "\",\"version\":\"" + XssImg + "\"}"));
        batch.Seen.Add(new DeviceSeen(acme, now - 60_000, 2, 23, 7));
        await store.CommitAsync(batch, CancellationToken.None);
        await store.UpsertFindingAsync(new FindingRecord(0, GlobexDevice, "silence", "warning", true, null, null, "no report for 3 intervals", now - 600_000, now - 600_000, "open"), CancellationToken.None);
        await store.AddAlertAsync(new AlertRecord(0, Globex, GlobexDevice, "silence", "webhook", "sent", 1, null, "globex-silence", now - 500_000, now - 500_000), CancellationToken.None);
        await store.AddAlertAsync(new AlertRecord(0, Acme, AcmeDevice, "power-bandwidth-rise", "email", "queued", 0, null, "acme-power", now - 200_000, now - 200_000), CancellationToken.None);
        await store.UpsertFindingAsync(new FindingRecord(0, AcmeDevice, "power-bandwidth-rise", "warning", false, 2.0, 1.0, "bytes up x3 " + XssImg, now - 900_000, now - 300_000, "open"), CancellationToken.None);
    }

    /// <summary>One pass of the rollout worker (the production <see cref="Updates.RolloutWaveRunner"/>): publishes recorded waves, judges published ones.</summary>
    public Task<int> TickAsync() => App.Services.GetRequiredService<Updates.RolloutWaveRunner>().TickAsync(CancellationToken.None);

    /// <summary>A user with a finished setup: its password and TOTP secret.</summary>
    public async Task<TestUser> CreateUserAsync(string name, ConsoleRole role, string? customer)
    {
        CreatedAccount created = await Accounts.CreateAsync(name, role, customer, CancellationToken.None);
        UserRecord pending = (await Accounts.FindSetupAsync(created.SetupToken, CancellationToken.None))!;
        string password = "violet tractor " + Guid.NewGuid().ToString("N")[..8];
        Clock.Advance(TimeSpan.FromSeconds(30));
        SetupStatus status = await Accounts.CompleteSetupAsync(created.SetupToken, password, password, TestUser.Code(pending.TotpSecret!, Clock.GetUtcNow()), CancellationToken.None);
        if (status != SetupStatus.Done)
        {
            throw new InvalidOperationException("setup: " + status);
        }

        return new TestUser(pending.Id, name, password, pending.TotpSecret!, role, customer);
    }

    /// <summary>An HTTPS client pinned to the host's certificate, from <paramref name="source"/> (another loopback address to look like another client).</summary>
    public ConsoleClient Client(IPAddress? source = null) => new(this, source);

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        await _accountsDialect.DisposeAsync();
        await _dialect.DisposeAsync();
        Certificate.Dispose();
        _folder?.Dispose();
    }

    /// <summary>A bundle folder holding one bundle signed now by a fresh root (whose private key is dropped).</summary>
    public static Updates.BundleSource SignBundle(string folder, TimeProvider clock)
    {
        long now = clock.GetUtcNow().ToUnixTimeSeconds();
        using SecureDevice.Lab.Signing.SigningKit kit = ReleaseKit(now);
        var payload = new byte[3000];
        RandomNumberGenerator.Fill(payload);
        return SignBundle(folder, kit, now, new Uri(BundleBaseUrl), payload);
    }

    /// <summary>A throwaway update-signing root and release key for product "sensor", valid from an hour before <paramref name="now"/> (Unix seconds).</summary>
    public static SecureDevice.Lab.Signing.SigningKit ReleaseKit(long now) =>
        SecureDevice.Lab.Signing.SigningKit.Create(b => RandomNumberGenerator.Fill(b), "release-test", new[] { "sensor" }, now - 3600, now + (365 * 86400L));

    /// <summary>Writes <see cref="Bundle"/> (sensor 1.1.0, security version 2, <paramref name="app"/> as Sensor.App.pe) signed by <paramref name="kit"/>, served at <paramref name="baseUrl"/>.</summary>
    public static Updates.BundleSource SignBundle(string folder, SecureDevice.Lab.Signing.SigningKit kit, long now, Uri baseUrl, byte[] app)
    {
        Directory.CreateDirectory(folder);
        kit.Write(kit.Sign("sensor", new[] { "esp32" }, "1.1.0", 2, now - 60, new[] { ("Sensor.App.pe", app) }), Path.Combine(folder, Bundle), now);
        return new Updates.BundleSource(folder, baseUrl, kit.Anchors());
    }

    private static X509Certificate2 SelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(new OidCollection { new Oid("1.3.6.1.5.5.7.3.1") }, false));
        using X509Certificate2 made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
    }
}

/// <summary>A console account made by the test host.</summary>
public sealed record TestUser(long Id, string Name, string Password, string Secret, ConsoleRole Role, string? Customer)
{
    public static string Code(string secret, DateTimeOffset at) => new OtpNet.Totp(OtpNet.Base32Encoding.ToBytes(secret)).ComputeTotp(at.UtcDateTime);
}
