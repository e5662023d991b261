using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Lab.Postgres;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>Every statement of <see cref="AccountStore"/> through <see cref="AccountService"/>, on SQLite and on a throwaway PostgreSQL cluster.</summary>
public sealed class AccountStoreTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("sqlite")]
    [InlineData("postgres")]
    public async Task Accounts_CreateSetupLoginLockSessionsRoles_WorkOnBothDatabases(string dialectName)
    {
        using var folder = new TemporaryDirectory("console-store");
        using PostgresCluster? cluster = TestDatabases.Cluster(dialectName);
        SqlDialect dialect = await TestDatabases.OpenAsync(folder, cluster, "console");
        await using var fleet = new FleetStore(dialect);
        var clock = new ManualClock();
        Assert.Equal(Migrations.Latest, await fleet.MigrateAsync(clock.GetUtcNow().ToUnixTimeMilliseconds(), None));
        var accounts = new AccountService(new AccountStore(dialect, TotpSecretProtector.OpenOrCreate(folder.Path)), new ConsoleOptions { Time = clock, LockoutThreshold = 2 });

        CreatedAccount staff = await accounts.CreateAsync("staff", ConsoleRole.Admin, null, None);
        CreatedAccount tenant = await accounts.CreateAsync("acme-op", ConsoleRole.Operator, "acme", None);
        Assert.Equal(CreateStatus.NameTaken, (await accounts.CreateAsync("staff", ConsoleRole.Viewer, "x", None)).Status);
        Assert.Equal(2, (await accounts.Store.ListAsync(null, None)).Count);
        Assert.Equal("acme-op", Assert.Single(await accounts.Store.ListAsync("acme", None)).UserName);

        UserRecord pending = (await accounts.FindSetupAsync(tenant.SetupToken, None))!;
        const string Password = "violet tractor sings 42";
        Assert.Equal(SetupStatus.Done, await accounts.CompleteSetupAsync(tenant.SetupToken, Password, Password, TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()), None));
        Assert.Null(await accounts.FindSetupAsync(tenant.SetupToken, None));

        clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Equal(LoginStatus.Failed, (await accounts.LoginAsync("acme-op", "wrong", TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()), "127.0.0.1", None)).Status);
        Assert.Equal(LoginStatus.Locked, (await accounts.LoginAsync("acme-op", "wrong", TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()), "127.0.0.1", None)).Status);
        Assert.Equal(LoginStatus.Locked, (await accounts.LoginAsync("acme-op", Password, TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()), "127.0.0.1", None)).Status);
        clock.Advance(TimeSpan.FromMinutes(16));
        LoginResult ok = await accounts.LoginAsync("acme-op", Password, TestUser.Code(pending.TotpSecret!, clock.GetUtcNow()), "127.0.0.1", None);
        Assert.Equal(LoginStatus.Succeeded, ok.Status);

        SessionRecord session = (await accounts.ResumeAsync(ok.SessionToken, None))!;
        Assert.Equal("acme", session.User.CustomerId);
        Assert.Equal(1, await accounts.Store.CountSessionsAsync(pending.Id, None));
        await accounts.SetRoleAsync(pending.Id, ConsoleRole.Viewer, None);
        Assert.Null(await accounts.ResumeAsync(ok.SessionToken, None));
        Assert.Equal(ConsoleRole.Viewer, (await accounts.Store.FindByIdAsync(pending.Id, None))!.Role);
        Assert.Equal(0, await accounts.Store.CountSessionsAsync(pending.Id, None));
        Assert.NotNull(staff.SetupToken);
    }
}
