using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using SecureDevice.Fleet.Devices;
using SecureDevice.Lab.Ingest;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Ingest;
using SecureDevice.Service.Integration;
using SecureDevice.TestSupport;
using SecureDevice.VirtualDevice;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Api;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// Wall-clock time moved forward by hand: what the console reads while reports arrive in real time, so its "now" keeps
/// up with them, and a test can still step into the next TOTP period instead of waiting for it.
/// </summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _shiftTicks;

    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow.AddTicks(Interlocked.Read(ref _shiftTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);
}

/// <summary>
/// A whole fleet on this machine with nothing stubbed: mosquitto with its dynamic-security plugin and the lab's PKI
/// (<see cref="IngestLab"/>), the fleet service (<see cref="FleetServiceHost"/>) with the production response ladder
/// (<see cref="FleetIntegration"/>: throttle commands over the service's command connection, quarantine at the broker)
/// and the console module on HTTPS with the broker's certificate from the fleet PKI. Devices are provisioned as
/// <c>securedevice provision</c> does (keys 0600 in the run's folder, never committed).
/// </summary>
public sealed class LiveFleet : IAsyncDisposable
{
    public const string Customer = "acme";
    public const string Chromium = "/usr/bin/chromium";

    private readonly TemporaryDirectory _folder;
    private readonly FleetIntegration _integration;
    private readonly ConsoleModule _module;
    private readonly List<IDisposable> _owned;

    private LiveFleet(TemporaryDirectory folder, IngestLab lab, ShiftedClock clock, FleetIntegration integration, ConsoleModule module, List<IDisposable> owned, RunningService running)
    {
        _folder = folder;
        Lab = lab;
        Clock = clock;
        _integration = integration;
        _module = module;
        _owned = owned;
        Running = running;
        HttpsBase = new Uri(running.App.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single(a => a.StartsWith("https://", StringComparison.Ordinal)));
    }

    public IngestLab Lab { get; }

    /// <summary>The console's clock (the service and devices use the wall clock).</summary>
    public ShiftedClock Clock { get; }

    public RunningService Running { get; }

    public Uri HttpsBase { get; }

    public string BaseUrl => HttpsBase.ToString().TrimEnd('/');

    /// <summary>A folder of this run (removed at dispose).</summary>
    public string Combine(params string[] parts) => _folder.Combine(parts);

    /// <param name="name">The run folder's prefix.</param>
    /// <param name="detection">With the service's detection (the findings); without it the ladder acts only when asked.</param>
    /// <param name="console">
    /// Further console options (bundles, an offer publisher), given the started lab; what it adds to the list (an update
    /// server, the publisher) is disposed after the service stopped.
    /// </param>
    public static async Task<LiveFleet> StartAsync(string name, bool detection, Func<IngestLab, ConsoleOptions, List<IDisposable>, ConsoleOptions>? console = null)
    {
        var folder = new TemporaryDirectory(name);
        IngestLab? lab = null;
        var integration = new FleetIntegration(new IntegrationOptions { TickInterval = TimeSpan.FromSeconds(1) });
        var owned = new List<IDisposable>();
        try
        {
            lab = IngestLab.Create(folder.Combine("lab"));
            var clock = new ShiftedClock();
            var options = new ConsoleOptions
            {
                Listen = new IPEndPoint(IPAddress.Loopback, 0),
                Certificate = ConsoleCertificate.Load(lab.Pki.BrokerCertificate, lab.Pki.BrokerKey),
                Time = clock,
                ApiPermits = 1000, // the tests poll the API every 200 ms (the per-token limit has its own tests)
            };
            var module = new ConsoleModule(console?.Invoke(lab, options, owned) ?? options);
            ServiceExtensions wired = integration.Extensions;
            // The tests speed devices up (reports every second): the fair per-device limits are opened so ingest refuses nothing.
            ServiceOptions service = ServiceConsoleTests.Options(lab) with { Ingest = new IngestOptions { Limits = new FairLimits(10_000, 1_000_000) } };
            RunningService running = await FleetServiceHost.StartAsync(service, new ServiceExtensions
            {
                Observers = detection ? wired.Observers : Array.Empty<IIngestObserver>(),
                Response = wired.Response,
                Attachments = detection ? wired.Attachments : new IServiceAttachment[] { integration },
                Time = wired.Time,
                Web = module,
            });
            return new LiveFleet(folder, lab, clock, integration, module, owned, running);
        }
        catch
        {
            // Nothing left running: the broker process and the folder go with a failed start.
            owned.ForEach(o => o.Dispose());
            integration.Dispose();
            lab?.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Provisions <paramref name="deviceId"/> for <see cref="Customer"/>, registers it at the broker, waits until the service lists it, loads it as a virtual device would.</summary>
    /// <param name="deviceId">The device.</param>
    /// <param name="reportSeconds">Its health report interval (60..86400 s, what <c>securedevice provision --telemetry-interval-s</c> writes).</param>
    public async Task<DeviceIdentity> ProvisionAsync(string deviceId, int reportSeconds = DeviceSettings.DefaultTelemetryIntervalSeconds)
    {
        string devices = Combine("devices");
        Provisioning.Provision(new ProvisionRequest
        {
            Pki = Lab.Pki, DeviceId = deviceId, OutputFolder = devices, Settings = DeviceSettings.For("localhost", Lab.Port) with { TelemetryIntervalSeconds = reportSeconds }, Owner = Customer, Now = DateTimeOffset.UtcNow,
        });
        await Lab.RegisterAsync(new[] { deviceId });
        await OfferAtTheBrokerTests.WaitListedAsync(Running, deviceId);
        return DeviceIdentity.Load(devices, deviceId, Lab.Pki.RootCertificate);
    }

    /// <summary>
    /// Provisions <paramref name="deviceId"/> with a 60-s report interval (the config's floor, as
    /// <c>securedevice provision --telemetry-interval-s 60</c> writes it) and starts it as a virtual device running the
    /// real core with that config and the firmware's own budgets (telemetry 3 at once and 30 an hour), its monotonic clock
    /// <paramref name="timeScale"/> times faster (<see cref="DeviceClock"/>): at 120 the budget lets a report out about
    /// once a second of wall time. Connected to the broker on 127.0.0.1 by the name in its certificate.
    /// </summary>
    public async Task<SecureDevice.VirtualDevice.VirtualDevice> StartDeviceAsync(string deviceId, int timeScale)
    {
        DeviceIdentity identity = await ProvisionAsync(deviceId, 60);
        var device = new SecureDevice.VirtualDevice.VirtualDevice(identity, new SecureDevice.Doubles.MemoryFileStore(), new SecureDevice.Core.FloodGuard.BackoffConfig { BootWindowMs = 0 },
            () => identity.Endpoint("127.0.0.1"), timeScale: timeScale);
        device.Start();
        return device;
    }

    /// <summary>
    /// Enrolls <paramref name="deviceId"/> for <see cref="Customer"/> with a certificate of the fleet PKI, registers it at
    /// the broker and waits until the service lists it: a device whose key a <see cref="DevicePublisher"/> uses (any MQTT
    /// payload, as a device taken over would send).
    /// </summary>
    public async Task<EnrolledDevice> EnrollAsync(string deviceId)
    {
        EnrolledDevice device = DeviceEnrollment.Enroll(Lab.Pki, new[] { deviceId }, _ => Customer, DateTimeOffset.UtcNow).Single();
        await Lab.RegisterAsync(new[] { deviceId });
        await OfferAtTheBrokerTests.WaitListedAsync(Running, deviceId);
        return device;
    }

    /// <summary>A console account of <see cref="Customer"/> with its setup done (password and TOTP).</summary>
    public async Task<TestUser> CreateUserAsync(string name, ConsoleRole role)
    {
        AccountService accounts = Running.App.Services.GetRequiredService<AccountService>();
        CreatedAccount created = await accounts.CreateAsync(name, role, Customer, CancellationToken.None);
        UserRecord pending = (await accounts.FindSetupAsync(created.SetupToken, CancellationToken.None))!;
        string password = "violet tractor " + Guid.NewGuid().ToString("N")[..8];
        SetupStatus status = await accounts.CompleteSetupAsync(created.SetupToken, password, password, TestUser.Code(pending.TotpSecret!, Clock.GetUtcNow()), CancellationToken.None);
        Assert.Equal(SetupStatus.Done, status);
        return new TestUser(pending.Id, name, password, pending.TotpSecret!, role, Customer);
    }

    /// <summary>An HTTPS client of the API, trusting the console only through the fleet root, with an operate-scoped token of <paramref name="user"/> (stored as a hash, as the token page makes them).</summary>
    public async Task<HttpClient> ApiAsync(TestUser user)
    {
        string token = ApiTokenFormat.Create(RandomNumberGenerator.Create());
        long now = Clock.GetUtcNow().ToUnixTimeMilliseconds();
        await Running.App.Services.GetRequiredService<ApiTokenStore>().AddAsync(ApiTokenFormat.Hash(token), user.Id, "e2e", ApiScope.Operate, now, now + 3_600_000, CancellationToken.None);
        var api = new HttpClient(ServiceConsoleTests.PinnedHandler(Lab.Root)) { BaseAddress = HttpsBase };
        api.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return api;
    }

    /// <summary>
    /// An HTTPS client (trusting the console only through the fleet root, keeping cookies) signed in as
    /// <paramref name="user"/> through the login form, its antiforgery token and a TOTP code of the next period.
    /// </summary>
    public async Task<HttpClient> SignInAsync(TestUser user)
    {
        Clock.Advance(TimeSpan.FromSeconds(30));
        var client = new HttpClient(ServiceConsoleTests.PinnedHandler(Lab.Root)) { BaseAddress = HttpsBase };
        string form = await client.GetStringAsync("/login");
        string token = WebUtility.HtmlDecode(System.Text.RegularExpressions.Regex.Match(form, "name=\"__sd_csrf\" type=\"hidden\" value=\"([^\"]+)\"").Groups[1].Value);
        using HttpResponseMessage signedIn = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["UserName"] = user.Name, ["Password"] = user.Password, ["Code"] = TestUser.Code(user.Secret, Clock.GetUtcNow()), ["__sd_csrf"] = token,
        }));
        Assert.Equal(HttpStatusCode.Found, signedIn.StatusCode);
        return client;
    }

    /// <summary>The reports the service stored for <paramref name="deviceId"/> (last day), through <c>GET /api/v1/devices/{id}/health</c>: (received ms, boot, seq).</summary>
    public static async Task<IReadOnlyList<(long ReceivedMs, long Boot, long Seq)>> ReportsAsync(HttpClient api, string deviceId)
    {
        using JsonDocument health = JsonDocument.Parse(await api.GetStringAsync("/api/v1/devices/" + deviceId + "/health"));
        return health.RootElement.EnumerateArray()
            .Select(h => (h.GetProperty("receivedMs").GetInt64(), h.GetProperty("boot").GetInt64(), h.GetProperty("seq").GetInt64()))
            .OrderBy(h => h.Item1).ToList();
    }

    /// <summary>Reports received in [<paramref name="from"/>, <paramref name="to"/>), Unix ms.</summary>
    public static int Between(IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> reports, long from, long to) =>
        reports.Count(r => r.ReceivedMs >= from && r.ReceivedMs < to);

    /// <summary>Reports per second received in [<paramref name="from"/>, <paramref name="to"/>).</summary>
    public static double Rate(IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> reports, long from, long to) =>
        Between(reports, from, to) / Math.Max(0.001, (to - from) / 1000.0);

    /// <summary>A failure message: <paramref name="what"/>, then when each report since <paramref name="from"/> arrived (ms after it).</summary>
    public static string Describe(string what, IReadOnlyList<(long ReceivedMs, long Boot, long Seq)> reports, long from) =>
        what + "; received since the watch began at +ms " + string.Join(", ", reports.Where(r => r.ReceivedMs >= from).Select(r => r.ReceivedMs - from));

    /// <summary>Waits until at least <paramref name="count"/> reports of <paramref name="deviceId"/> received from <paramref name="since"/> (Unix ms) are stored.</summary>
    public static Task WaitReportsAsync(HttpClient api, string deviceId, long since, int count, TimeSpan timeout, Func<string> failure) =>
        WaitAsync(async () => Between(await ReportsAsync(api, deviceId), since, long.MaxValue) >= count, timeout, failure);

    /// <summary>The actions on <paramref name="deviceId"/> through <c>GET /api/v1/devices/{id}/actions</c>: (kind, actor), oldest first.</summary>
    public static async Task<IReadOnlyList<(string Kind, string Actor)>> ActionsAsync(HttpClient api, string deviceId)
    {
        using JsonDocument actions = JsonDocument.Parse(await api.GetStringAsync("/api/v1/devices/" + deviceId + "/actions"));
        return actions.RootElement.EnumerateArray().Select(a => (a.GetProperty("kind").GetString()!, a.GetProperty("actor").GetString()!)).Reverse().ToList();
    }

    /// <summary>Headless Debian chromium through its executable path (browsers cannot be downloaded here).</summary>
    public static Task<IBrowser> LaunchAsync(IPlaywright playwright)
    {
        Assert.True(File.Exists(Chromium), "chromium is not installed (apt-get install chromium)");
        return playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = Chromium, Headless = true, Args = new[] { "--no-sandbox" } });
    }

    /// <summary>
    /// A page that records every dialog (dismissed), console message and page error. The console's certificate comes from
    /// the fleet PKI, whose root this throwaway browser profile does not hold: the context accepts it (the API clients pin it).
    /// </summary>
    public static async Task<(IBrowserContext Context, IPage Page, BrowserSignals Signals)> OpenAsync(IBrowser browser)
    {
        IBrowserContext context = await browser.NewContextAsync(new BrowserNewContextOptions { IgnoreHTTPSErrors = true });
        // Under the load averages of 20-60 seen here, a page can take longer than Playwright's default 30 s.
        context.SetDefaultTimeout(90_000);
        context.SetDefaultNavigationTimeout(90_000);
        IPage page = await context.NewPageAsync();
        var signals = new BrowserSignals();
        page.Dialog += (_, dialog) =>
        {
            lock (signals)
            {
                signals.Dialogs.Add(dialog.Message);
            }

            _ = dialog.DismissAsync();
        };
        page.Console += (_, message) =>
        {
            lock (signals)
            {
                signals.Console.Add(message.Type + ": " + message.Text);
            }
        };
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                lock (signals)
                {
                    signals.Failed.Add(response.Status + " " + new Uri(response.Url).AbsolutePath);
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (signals)
            {
                signals.Errors.Add(error);
            }
        };
        return (context, page, signals);
    }

    /// <summary>
    /// Signs <paramref name="user"/> in through the login form with its password and a TOTP code, and lands on the fleet
    /// page. The console's clock steps 30 s first: a code of the period the setup used would be refused as replayed.
    /// </summary>
    public async Task LoginAsync(IPage page, TestUser user)
    {
        Clock.Advance(TimeSpan.FromSeconds(30));
        await page.GotoAsync(BaseUrl + "/login", LivePage.Parsed);
        await page.FillAsync("input[name=UserName]", user.Name);
        await page.FillAsync("input[name=Password]", user.Password);
        await page.FillAsync("input[name=Code]", TestUser.Code(user.Secret, Clock.GetUtcNow()));
        await page.ClickAsync("button[type=submit]");
        await LivePage.ArriveAsync(page, BaseUrl + "/", "h1");
    }

    /// <summary>Polls <paramref name="condition"/> every 200 ms until it holds; fails with <paramref name="failure"/> at the deadline.</summary>
    public static async Task WaitAsync(Func<Task<bool>> condition, TimeSpan timeout, Func<string> failure)
    {
        DateTime deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, failure());
            await Task.Delay(200);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _module.DisposeAsync();
        await Running.DisposeAsync();
        foreach (IDisposable owned in _owned)
        {
            owned.Dispose();
        }

        _integration.Dispose();
        Lab.Dispose();
        _folder.Dispose();
    }
}

/// <summary>What a page showed besides its content: dialogs (an alert() that ran), console messages (CSP violations are reported there), uncaught errors.</summary>
public sealed class BrowserSignals
{
    public List<string> Dialogs { get; } = new();

    public List<string> Console { get; } = new();

    public List<string> Errors { get; } = new();

    /// <summary>Responses of 400 and above: status and path.</summary>
    public List<string> Failed { get; } = new();

    /// <summary>
    /// Console messages besides chromium's own line for a failed favicon fetch (the console serves none, and chromium asks
    /// for /favicon.ico by itself): a CSP violation, a script error or any other fetch would be here.
    /// </summary>
    public IReadOnlyList<string> Unexpected()
    {
        lock (this)
        {
            bool onlyFavicon = Failed.All(f => f == "404 /favicon.ico");
            return Console.Where(c => !(onlyFavicon && c.StartsWith("error: Failed to load resource: the server responded with a status of 404", StringComparison.Ordinal))).ToList();
        }
    }

    public override string ToString()
    {
        lock (this)
        {
            return "dialogs [" + string.Join(" | ", Dialogs) + "] console [" + string.Join(" | ", Console) + "] errors [" + string.Join(" | ", Errors) + "] failed [" + string.Join(" | ", Failed) + "]";
        }
    }
}
