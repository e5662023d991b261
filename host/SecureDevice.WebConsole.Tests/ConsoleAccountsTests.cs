using System;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>What 'securedevice console admin' runs: a fresh database gets the schema and a password-less admin with a one-time link.</summary>
public sealed class ConsoleAccountsTests
{
    [Fact]
    public async Task CreateAsync_FreshDataFolder_MigratesAndPrintsAOneTimeHttpsLink()
    {
        using var folder = new TemporaryDirectory("securedevice-console-cli");
        string link = await ConsoleAccounts.CreateAsync(folder.Path, null, "root", ConsoleRole.Admin, null, new Uri("https://fleet.example:9443/"), TimeProvider.System, CancellationToken.None);
        Assert.StartsWith("https://fleet.example:9443/setup?Token=", link, StringComparison.Ordinal);
        string token = link[(link.IndexOf('=') + 1)..];
        Assert.Equal(43, token.Length);

        await using var dialect = new SqliteDialect(folder.Path);
        var accounts = new AccountService(new AccountStore(dialect, TotpSecretProtector.OpenOrCreate(folder.Path)), new ConsoleOptions());
        UserRecord user = (await accounts.FindSetupAsync(token, CancellationToken.None))!;
        Assert.Equal(ConsoleRole.Admin, user.Role);
        Assert.Null(user.PasswordHash);
        Assert.Null(user.CustomerId);

        var taken = await Assert.ThrowsAsync<FleetException>(() => ConsoleAccounts.CreateAsync(folder.Path, null, "root", ConsoleRole.Admin, null, new Uri("https://x/"), TimeProvider.System, CancellationToken.None));
        Assert.Equal(FleetError.AlreadyExists, taken.Error);
        await Assert.ThrowsAsync<FleetException>(() => ConsoleAccounts.CreateAsync(folder.Path, null, "other", ConsoleRole.Admin, null, new Uri("http://x/"), TimeProvider.System, CancellationToken.None));
    }
}
