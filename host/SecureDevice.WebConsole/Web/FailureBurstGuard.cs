using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.RateLimiting;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;

namespace SecureDevice.WebConsole.Web;

/// <summary>What failed (docs/console.md, "Bursts of failures").</summary>
public enum FailureKind
{
    /// <summary>A sign-in refused: unknown name, wrong password, wrong or replayed TOTP code, locked account, bad form.</summary>
    SignIn,

    /// <summary>A setup link refused (unknown/expired link, wrong first code, weak password).</summary>
    Setup,

    /// <summary>An API call with a malformed, unknown, expired or revoked token, or one whose owner cannot act.</summary>
    ApiToken,

    /// <summary>A session cookie presented from another address than the one it signed in from (a stolen cookie).</summary>
    Session,

    /// <summary>A POST whose antiforgery token was missing or wrong (a cross-site request, a replayed form).</summary>
    Antiforgery,
}

/// <summary>What <see cref="FailureBurstGuard"/> made of a failure.</summary>
public enum BurstStatus
{
    /// <summary>Within the source's budget.</summary>
    Counted,

    /// <summary>This failure exhausted a budget: the source is paused now and one alert was raised.</summary>
    PausedNow,

    /// <summary>Over the budget while the source is paused already (a request in flight when the pause began): no new alert.</summary>
    AlreadyPaused,
}

/// <summary>
/// Bursts of failures raise an alert and pause that source (issue 14, control 5). Every security failure is counted
/// against its client address (IPv6 by /64) and, when it names one, its account, with ASP.NET Core's rate limiter: a
/// sliding window of <see cref="ConsoleOptions.BurstThreshold"/> − 1 permits per <see cref="ConsoleOptions.BurstWindow"/>
/// per source, so the failure that finds no permit is the threshold-th in the window. That source is then paused for
/// <see cref="ConsoleOptions.BurstPause"/> (<see cref="SourcePause"/> refuses its requests with 429 + Retry-After in
/// the rate-limiting middleware: every request of a paused address, the sign-ins of a paused account), the burst is
/// audited (<c>burst.paused</c>) and one staff alert is written to the service's alert table (shown on /feed to staff):
/// one per burst, since a paused source cannot fail again until its pause ends; at most
/// <see cref="ConsoleOptions.BurstAlertLimit"/> per <see cref="ConsoleOptions.BurstAlertWindow"/> in all, then one
/// summary alert and the rest audited only (a distributed attack does not become an alert storm).
/// A pause is also recorded in the shared database (<see cref="SourcePauseStore"/>) and read by every other instance
/// (<see cref="SyncAsync"/>, <see cref="SourcePauseSync"/>); the failure counting itself is per process (docs: several instances).
/// </summary>
public sealed class FailureBurstGuard : IDisposable
{
    /// <summary>The alert table's customer for console-staff alerts: not a valid customer id, so no tenant ever sees it.</summary>
    public const string StaffCustomer = "*console-staff";

    public const string AlertKind = "console-burst";
    public const string SummaryKind = "console-burst-summary";

    /// <summary>Paused sources tracked at most; expired ones are dropped first (a full table still pauses: fail closed).</summary>
    private const int MaxTracked = 100_000;

    private readonly ConsoleOptions _options;
    private readonly ConsoleBackend _backend;
    private readonly SourcePauseStore _pauses;
    private readonly ILogger _log;
    private readonly PartitionedRateLimiter<string> _budget;
    private readonly RateLimiter _alerts;
    private readonly ConcurrentDictionary<string, long> _pausedUntilMs = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private long _summaryUntilMs;

    public FailureBurstGuard(ConsoleOptions options, ConsoleBackend backend, ILogger<FailureBurstGuard> log)
    {
        if (options.BurstThreshold < 2)
        {
            throw new ArgumentException("BurstThreshold must be at least 2", nameof(options));
        }

        _options = options;
        _backend = backend;
        _pauses = new SourcePauseStore(backend.Accounts.Dialect);
        _log = log;
        _budget = PartitionedRateLimiter.Create<string, string>(source => RateLimitPartition.GetSlidingWindowLimiter(source, _ => new SlidingWindowRateLimiterOptions
        {
            PermitLimit = options.BurstThreshold - 1,
            Window = options.BurstWindow,
            SegmentsPerWindow = 10,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
        _alerts = new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions { PermitLimit = options.BurstAlertLimit, Window = options.BurstAlertWindow, QueueLimit = 0, AutoReplenishment = true });
    }

    private long NowMs => _options.Time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>
    /// The source address of a request as the guard and the limiters see it: the TCP peer (X-Forwarded-For is not
    /// trusted: no forwarded-headers middleware is configured), IPv4-mapped IPv6 as IPv4, other IPv6 by its /64 (one
    /// host owns a whole /64).
    /// </summary>
    public static string AddressOf(HttpContext context) => Normalize(context.Connection.RemoteIpAddress);

    /// <summary>The same key for an address as text (a session's stored address); "unknown" when it does not parse.</summary>
    public static string Normalize(string address) => Normalize(IPAddress.TryParse(address, out IPAddress? parsed) ? parsed : null);

    private static string Normalize(IPAddress? address)
    {
        if (address == null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            return address.MapToIPv4().ToString();
        }

        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            byte[] bytes = address.GetAddressBytes();
            Array.Clear(bytes, 8, 8);
            return new IPAddress(bytes).ToString() + "/64";
        }

        return address.ToString();
    }

    public static string AddressKey(string address) => "address " + address;

    public static string AccountKey(string account) => "account " + account;

    /// <summary>Time left in the pause of <paramref name="source"/> (an <see cref="AddressKey"/> or <see cref="AccountKey"/>); zero when not paused.</summary>
    public TimeSpan Remaining(string source)
    {
        if (!_pausedUntilMs.TryGetValue(source, out long until))
        {
            return TimeSpan.Zero;
        }

        long left = until - NowMs;
        return left > 0 ? TimeSpan.FromMilliseconds(left) : TimeSpan.Zero;
    }

    public bool IsPaused(string source) => Remaining(source) > TimeSpan.Zero;

    /// <summary>
    /// Takes the pauses recorded in the database by any instance (this one too) into this instance: a source paused
    /// elsewhere is refused here until its pause ends (the longer end wins). Returns how many pauses are running.
    /// </summary>
    public async Task<int> SyncAsync(CancellationToken cancellationToken)
    {
        long now = NowMs;
        IReadOnlyList<(string Source, long UntilMs)> active = await _pauses.ActiveAsync(now, MaxTracked, cancellationToken).ConfigureAwait(false);
        lock (_gate)
        {
            foreach ((string source, long until) in active)
            {
                if (!_pausedUntilMs.TryGetValue(source, out long current) || current < until)
                {
                    if (_pausedUntilMs.Count >= MaxTracked && !_pausedUntilMs.ContainsKey(source))
                    {
                        DropEnded(now);
                    }

                    _pausedUntilMs[source] = until;
                }
            }
        }

        return active.Count;
    }

    private void DropEnded(long now)
    {
        foreach (var entry in _pausedUntilMs)
        {
            if (entry.Value <= now)
            {
                _pausedUntilMs.TryRemove(entry.Key, out _);
            }
        }
    }

    /// <summary>Counts a failure of the request's address and (when known) of <paramref name="account"/>; pauses and alerts on a burst.</summary>
    public Task<BurstStatus> RecordAsync(FailureKind kind, HttpContext context, string? account) =>
        RecordAsync(kind, AddressOf(context), account, context.RequestAborted);

    public async Task<BurstStatus> RecordAsync(FailureKind kind, string address, string? account, CancellationToken cancellationToken)
    {
        _ = cancellationToken; // a burst is recorded even when the client goes away
        BurstStatus status = await CountAsync(kind, AddressKey(address), address).ConfigureAwait(false);
        if (account != null && AccountService.IsValidUserName(account))
        {
            BurstStatus byAccount = await CountAsync(kind, AccountKey(account), address).ConfigureAwait(false);
            status = status == BurstStatus.PausedNow || byAccount == BurstStatus.PausedNow ? BurstStatus.PausedNow
                : status == BurstStatus.AlreadyPaused || byAccount == BurstStatus.AlreadyPaused ? BurstStatus.AlreadyPaused
                : BurstStatus.Counted;
        }

        return status;
    }

    private async Task<BurstStatus> CountAsync(FailureKind kind, string source, string address)
    {
        using (RateLimitLease lease = _budget.AttemptAcquire(source))
        {
            if (lease.IsAcquired)
            {
                return BurstStatus.Counted;
            }
        }

        long now = NowMs;
        long until = now + (long)_options.BurstPause.TotalMilliseconds;
        lock (_gate)
        {
            if (_pausedUntilMs.TryGetValue(source, out long current) && current > now)
            {
                return BurstStatus.AlreadyPaused; // one alert per burst
            }

            if (_pausedUntilMs.Count >= MaxTracked)
            {
                DropEnded(now);
            }

            _pausedUntilMs[source] = until;
        }

        await RaiseAsync(kind, source, address, now, until).ConfigureAwait(false);
        return BurstStatus.PausedNow;
    }

    /// <summary>Audit line, staff alert (within the alert budget) and log line of one burst; the pause is in force already.</summary>
    private async Task RaiseAsync(FailureKind kind, string source, string address, long now, long until)
    {
        string summary = source + ": " + _options.BurstThreshold.ToString(CultureInfo.InvariantCulture) + " security failures within "
            + ((long)_options.BurstWindow.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s (the last: " + Name(kind) + "); paused for "
            + ((long)_options.BurstPause.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s, until "
            + DateTimeOffset.FromUnixTimeMilliseconds(until).ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        _log.LogWarning("console: failure burst from {Source}: paused until {Until}", source, until);

        // The pause holds whatever the database does: a failed write is logged, never lets the source go.
        try
        {
            await _pauses.RecordAsync(source, until, CancellationToken.None).ConfigureAwait(false); // every other instance refuses it too
            await _backend.Accounts.AppendAuditAsync("console", "burst.paused", summary, null, address, now, CancellationToken.None).ConfigureAwait(false);
            string? alertKind = null;
            using (RateLimitLease lease = _alerts.AttemptAcquire())
            {
                if (lease.IsAcquired)
                {
                    alertKind = AlertKind;
                }
                else
                {
                    lock (_gate)
                    {
                        if (now >= _summaryUntilMs)
                        {
                            _summaryUntilMs = now + (long)_options.BurstAlertWindow.TotalMilliseconds;
                            alertKind = SummaryKind; // once per window: "more bursts, see the audit"
                        }
                    }
                }
            }

            if (alertKind != null)
            {
                await _backend.Fleet.AddAlertAsync(new AlertRecord(0, StaffCustomer, null, alertKind, "console", "raised", 0, null, alertKind + "|" + source + "|" + now.ToString(CultureInfo.InvariantCulture), now, now), CancellationToken.None).ConfigureAwait(false);

                // Each burst is its own alert (its subject names the source and the pause), to the staff contact's webhook and mail.
                string subject = "burst-" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(source + "|" + until.ToString(CultureInfo.InvariantCulture))))[..16];
                OwnerAlerts.Send(_options, _log, null, SecureDevice.Fleet.Response.Alerts.AlertEvent.ForFleet(string.Empty, alertKind, subject, "paused",
                    SecureDevice.Fleet.Response.Alerts.AlertSeverity.Warning, alertKind == SummaryKind ? "More console failure bursts this hour (see the audit); the latest: " + summary : "Console failure burst: " + summary,
                    null, DateTimeOffset.FromUnixTimeMilliseconds(now)));
            }
        }
        catch (Exception error) when (error is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
        {
            _log.LogError(error, "console: could not record the failure burst of {Source}", source);
        }
    }

    public static string Name(FailureKind kind) => kind switch
    {
        FailureKind.SignIn => "sign-in",
        FailureKind.Setup => "setup",
        FailureKind.ApiToken => "api-token",
        FailureKind.Session => "session",
        _ => "antiforgery",
    };

    public void Dispose()
    {
        _budget.Dispose();
        _alerts.Dispose();
    }
}
