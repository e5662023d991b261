using System;
using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace SecureDevice.WebConsole;

/// <summary>The console's settings (docs/console.md, "Options"); the defaults are the numbers.</summary>
public sealed record ConsoleOptions
{
    /// <summary>Where the console listens, HTTPS only.</summary>
    public IPEndPoint Listen { get; init; } = new(IPAddress.Loopback, 9443);

    /// <summary>The server certificate with its private key (from the fleet PKI or the user's own); required to serve.</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>A session ends after this long without a request.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>A session ends this long after login, whatever its use.</summary>
    public TimeSpan AbsoluteTimeout { get; init; } = TimeSpan.FromHours(8);

    /// <summary>Consecutive failed sign-ins (password or code) that lock an account.</summary>
    public int LockoutThreshold { get; init; } = 10;

    public TimeSpan LockoutDuration { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Sign-in attempts per window, per client address and per account name (ASP.NET Core's rate limiter).</summary>
    public int LoginPermits { get; init; } = 5;

    public TimeSpan LoginWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long a one-time setup link stays valid.</summary>
    public TimeSpan SetupLinkLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Largest request body the console accepts (forms are small).</summary>
    public long MaxBodyBytes { get; init; } = 16 * 1024;

    /// <summary>API requests one token (or, without a well-formed token, one client address) may make per <see cref="ApiWindow"/>.</summary>
    public int ApiPermits { get; init; } = 120;

    public TimeSpan ApiWindow { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Longest lifetime of an API token, days (the console offers 1..this).</summary>
    public int ApiTokenMaxDays { get; init; } = 90;

    /// <summary>
    /// A session cookie works only from the address (IPv6: the /64) it signed in from; from another one the session
    /// ends (both copies) and the use is audited and counted as a security failure (docs/console.md, "Session binding").
    /// </summary>
    public bool BindSessionToAddress { get; init; } = true;

    /// <summary>
    /// Security failures (failed sign-ins and TOTP codes, refused setup links, invalid API tokens, antiforgery
    /// refusals) from one client address, or against one account, within <see cref="BurstWindow"/> that make a burst:
    /// the source is paused and one staff alert raised (docs/console.md, "Bursts of failures").
    /// </summary>
    public int BurstThreshold { get; init; } = 20;

    public TimeSpan BurstWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How long a source that burst is refused (429 + Retry-After).</summary>
    public TimeSpan BurstPause { get; init; } = TimeSpan.FromMinutes(15);

    /// <summary>Burst alerts written per <see cref="BurstAlertWindow"/> at most; past it one summary alert, the rest audited only.</summary>
    public int BurstAlertLimit { get; init; } = 10;

    public TimeSpan BurstAlertWindow { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// How often this instance reads the burst pauses other instances recorded in the shared database (a source paused
    /// by one instance is refused by all within this); <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: never.
    /// </summary>
    public TimeSpan PauseSyncInterval { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>The clock (tests pass a manual one).</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>
    /// How often the rollout worker publishes recorded waves (retrying while the broker is away) and judges published
    /// ones; a new offer or a resume wakes it at once. <see cref="System.Threading.Timeout.InfiniteTimeSpan"/>: this
    /// instance runs no worker (another instance does).
    /// </summary>
    public TimeSpan WaveInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Rollouts the worker reads per page; a pass pages through due rollouts (docs/console.md, "Publishing").</summary>
    public int WavePageSize { get; init; } = 200;

    /// <summary>
    /// How long one worker pass may run (measured on <see cref="Time"/>): publishing gets at most half, judging the rest.
    /// A pass cut short resumes after the last rollout it visited at the next pass, so rollouts past the cut are not
    /// starved (docs/console.md, "Publishing"). Each state visits at least one rollout per pass; a rollout's own step
    /// (a wave's publication) is never cut.
    /// </summary>
    public TimeSpan WavePassBudget { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A publication the broker asked to retry (no connection, no answer, quota) waits a full-jitter backoff between
    /// <see cref="PublishRetryBase"/> and min(<see cref="PublishRetryCap"/>, base·2^(attempt−1)); after
    /// <see cref="PublishRetryLimit"/> of consecutive retries the rollout halts (an operator resumes it).
    /// </summary>
    public TimeSpan PublishRetryBase { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan PublishRetryCap { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The offer's own expiry at the broker (24 h): past it a still unreachable broker is an operator's problem.</summary>
    public TimeSpan PublishRetryLimit { get; init; } = TimeSpan.FromHours(24);

    /// <summary>Random words (the backoff's jitter); tests pass a fixed one.</summary>
    public Func<uint> Random { get; init; } = () => System.Security.Cryptography.RandomNumberGenerator.GetInt32(int.MaxValue) is int r ? (uint)r : 0u;

    /// <summary>
    /// The service's alert dispatcher (webhook and e-mail to the owners' contacts): halted rollouts and failure bursts go
    /// out through it (<see cref="Web.OwnerAlerts"/>). Null: the service's own (<c>FleetService.OwnerAlerts</c>) when the
    /// console runs in the service; otherwise feed and audit only.
    /// </summary>
    public SecureDevice.Fleet.Response.Alerts.IAlertSink? Alerts { get; init; }

    /// <summary>
    /// The contacts-file entry (a customer id) that receives staff alerts: failure bursts and halts of rollouts spanning
    /// several customers (<c>service --staff-alerts ID</c>). Null: those stay on the staff feed and in the audit.
    /// </summary>
    public string? StaffAlertContact { get; init; }

    /// <summary>The signed bundles operators may offer (docs/console.md, "Update offers"); null: offers are off.</summary>
    public Updates.BundleSource? Bundles { get; init; }

    /// <summary>
    /// Publishes offers on devices/ID/down/update. The service's own broker role may publish throttle commands only (a
    /// compromised ingest host cannot push offers), so this is a connection with the operator identity; null: offers are off.
    /// </summary>
    public SecureDevice.Fleet.Response.IDeviceCommandPublisher? OfferPublisher { get; init; }
}
