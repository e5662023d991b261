using System;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.DependencyInjection;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// Two console instances on one database (docs/console.md, "Several console instances"): a burst pause decided by one is
/// recorded in the database and honoured by the other once it has read the pauses (every PauseSyncInterval, 2 s by
/// default); the failure counting itself stays per instance.
/// </summary>
public sealed class PauseAcrossInstancesTests
{
    private static Func<ConsoleOptions, ConsoleOptions> Burst(int threshold) => o => o with
    {
        BurstThreshold = threshold,
        BurstWindow = TimeSpan.FromMinutes(5),
        BurstPause = TimeSpan.FromMinutes(10),
        PauseSyncInterval = Timeout.InfiniteTimeSpan, // the test reads the pauses itself, at the moments it checks
    };

    [Fact]
    public async Task BurstPause_OnOneInstance_IsHonouredByTheOther_AddressAndAccount_UntilItEnds()
    {
        await using ConsoleTestHost first = await ConsoleTestHost.StartAsync(configure: Burst(3));
        await using ConsoleTestHost second = await ConsoleTestHost.StartAsync(shareWith: first, configure: Burst(3));
        TestUser op = await first.CreateUserAsync("acme-op", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient attackerAtFirst = first.Client(IPAddress.Parse("127.0.0.2"));
        using ConsoleClient attackerAtSecond = second.Client(IPAddress.Parse("127.0.0.2"));

        // The counting is per instance: two failures on each do not make a burst of three anywhere.
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await attackerAtFirst.ApiAsync("GET", "/api/v1/devices", "sdp_bad-" + i)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await attackerAtSecond.ApiAsync("GET", "/api/v1/devices", "sdp_bad-" + i)).Status);
        }

        Assert.Equal(HttpStatusCode.OK, (await attackerAtSecond.GetAsync("/login")).Status);

        // The third on the first instance pauses the address there, and records the pause.
        Assert.Equal(HttpStatusCode.Unauthorized, (await attackerAtFirst.ApiAsync("GET", "/api/v1/devices", "sdp_bad-3")).Status);
        Assert.Equal(HttpStatusCode.TooManyRequests, (await attackerAtFirst.GetAsync("/login")).Status);

        // The second instance refuses it too once it has read the database's pauses: 429 with the pause left.
        FailureBurstGuard secondGuard = second.App.Services.GetRequiredService<FailureBurstGuard>();
        Assert.Equal(1, await secondGuard.SyncAsync(CancellationToken.None));
        Answer refused = await attackerAtSecond.GetAsync("/login");
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
        Assert.InRange(int.Parse(refused.Header("Retry-After")!, System.Globalization.CultureInfo.InvariantCulture), 590, 600);
        using ConsoleClient colleague = second.Client(IPAddress.Parse("127.0.0.3"));
        Assert.Equal(HttpStatusCode.OK, (await colleague.GetAsync("/login")).Status); // only that source

        // An account paused on the second instance: its sign-ins are refused on the first.
        for (int i = 0; i < 3; i++)
        {
            using ConsoleClient guesser = second.Client(IPAddress.Parse("127.0.0." + (10 + i)));
            Assert.Equal(HttpStatusCode.Unauthorized, (await guesser.LoginAsync(op, password: "guess number " + i)).Status);
        }

        Assert.Equal(2, await first.App.Services.GetRequiredService<FailureBurstGuard>().SyncAsync(CancellationToken.None));
        using ConsoleClient owner = first.Client(IPAddress.Parse("127.0.0.20"));
        Assert.Equal(HttpStatusCode.TooManyRequests, (await owner.LoginAsync(op)).Status);

        // Both pauses end on time everywhere.
        first.Clock.Advance(TimeSpan.FromMinutes(10));
        Assert.Equal(0, await secondGuard.SyncAsync(CancellationToken.None));
        Assert.Equal(HttpStatusCode.OK, (await attackerAtSecond.GetAsync("/login")).Status);
        Assert.Equal(HttpStatusCode.Redirect, (await owner.LoginAsync(op)).Status);
    }
}
