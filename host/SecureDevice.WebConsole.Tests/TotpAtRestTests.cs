using System;
using System.Data.Common;
using System.IO;
using System.Linq;
using System.Net;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Identity;
using SecureDevice.Service.Storage;
using SecureDevice.TestSupport;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>TOTP secrets at rest: sealed under a key outside the database (docs/console.md, "TOTP secrets at rest").</summary>
public sealed class TotpAtRestTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    private static async Task<string?> StoredSecretAsync(SqlDialect dialect, string userName)
    {
        await using DbConnection connection = await dialect.OpenAsync(None);
        using DbCommand command = connection.CreateCommand();
        command.CommandText = "SELECT totp_secret FROM console_users WHERE username = @u";
        SqlDialect.Parameter(command, "@u", userName);
        return await command.ExecuteScalarAsync(None) as string;
    }

    private static async Task SetStoredSecretAsync(SqlDialect dialect, string userName, string stored)
    {
        await using DbConnection connection = await dialect.OpenAsync(None);
        using DbCommand command = connection.CreateCommand();
        command.CommandText = "UPDATE console_users SET totp_secret = @s WHERE username = @u";
        SqlDialect.Parameter(command, "@s", stored);
        SqlDialect.Parameter(command, "@u", userName);
        Assert.Equal(1, await command.ExecuteNonQueryAsync(None));
    }

    private static void CopyDatabase(string from, string to)
    {
        foreach (string file in Directory.GetFiles(from, "fleet.db*").Where(f => !f.EndsWith("-shm", StringComparison.Ordinal)))
        {
            using var source = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var target = new FileStream(Path.Combine(to, Path.GetFileName(file)), FileMode.CreateNew, FileAccess.Write);
            source.CopyTo(target);
        }
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task TotpSecret_IsSealedInTheDatabase_ACopyWithoutTheKeyFileCannotCheckCodes_WithTheKeyItCan()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-op", ConsoleRole.Operator, ConsoleTestHost.Acme);
        await using (var dialect = new SqliteDialect(host.DataFolder))
        {
            string stored = (await StoredSecretAsync(dialect, "acme-op"))!;
            Assert.StartsWith(TotpSecretProtector.Prefix, stored, StringComparison.Ordinal);
            Assert.DoesNotContain(op.Secret, stored, StringComparison.Ordinal);
        }

        // Not in any byte of the database files either (pages, WAL), and the key file is owner-only.
        byte[] secret = Encoding.ASCII.GetBytes(op.Secret);
        foreach (string file in Directory.GetFiles(host.DataFolder, "fleet.db*"))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            Assert.Equal(-1, copy.ToArray().AsSpan().IndexOf(secret));
        }

        string keyFile = Path.Combine(host.DataFolder, TotpSecretProtector.KeyFileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(keyFile));
        Assert.Equal(32, new FileInfo(keyFile).Length);

        // A stolen copy of the database, opened by a console without the key file (it makes its own): no code checks.
        using var stolen = new TemporaryDirectory("stolen-db");
        CopyDatabase(host.DataFolder, stolen.Path);
        await using (var dialect = new SqliteDialect(stolen.Path))
        {
            var thief = new AccountService(new AccountStore(dialect, TotpSecretProtector.OpenOrCreate(stolen.Path)), new ConsoleOptions { Time = host.Clock });
            UserRecord seen = (await thief.Store.FindByNameAsync("acme-op", None))!;
            Assert.Null(seen.TotpSecret);
            Assert.True(seen.TotpUnreadable);
            host.Clock.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(LoginStatus.Failed, (await thief.LoginAsync("acme-op", op.Password, TestUser.Code(op.Secret, host.Clock.GetUtcNow()), "127.0.0.1", None)).Status);
            Assert.Contains(await thief.Store.ListAuditAsync(null, 10, None), a => a.Action == "sign-in.failed.totp-unreadable");
        }

        // The same copy with the key file: the secret opens and the code checks (only the key separates them).
        using var restored = new TemporaryDirectory("restored-db");
        CopyDatabase(host.DataFolder, restored.Path);
        File.Copy(keyFile, Path.Combine(restored.Path, TotpSecretProtector.KeyFileName));
        File.SetUnixFileMode(Path.Combine(restored.Path, TotpSecretProtector.KeyFileName), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        await using (var dialect = new SqliteDialect(restored.Path))
        {
            var owner = new AccountService(new AccountStore(dialect, TotpSecretProtector.OpenOrCreate(restored.Path)), new ConsoleOptions { Time = host.Clock });
            Assert.Equal(op.Secret, (await owner.Store.FindByNameAsync("acme-op", None))!.TotpSecret);
            host.Clock.Advance(TimeSpan.FromSeconds(30));
            Assert.Equal(LoginStatus.Succeeded, (await owner.LoginAsync("acme-op", op.Password, TestUser.Code(op.Secret, host.Clock.GetUtcNow()), "127.0.0.1", None)).Status);
        }

        // A key file open to others is refused (one line), never used.
        File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead);
        var refused = Assert.Throws<SecureDevice.Fleet.FleetException>(() => TotpSecretProtector.OpenOrCreate(host.DataFolder));
        Assert.Contains("chmod 600", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClearSecretOfAnEarlierVersion_IsSealedAtStart_AndWorks_ASealedSecretMovedToAnotherAccountFailsClosed()
    {
        const string Legacy = "old-viewer";
        const string Password = "violet tractor sings 42";
        string clear = Totp.NewSecret();
        string hash = new PasswordHasher<UserRecord>().HashPassword(null!, Password);
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(before: async dialect =>
        {
            // A row as schema 3/4 wrote it: the secret in clear.
            await using DbConnection connection = await dialect.OpenAsync(None);
            using DbCommand command = connection.CreateCommand();
            command.CommandText = "INSERT INTO console_users (username, role, customer_id, password_hash, totp_secret, created_ms, updated_ms) VALUES (@u, 'viewer', 'acme', @h, @s, 1, 1)";
            SqlDialect.Parameter(command, "@u", Legacy);
            SqlDialect.Parameter(command, "@h", hash);
            SqlDialect.Parameter(command, "@s", clear);
            await command.ExecuteNonQueryAsync(None);
        });

        await using var raw = new SqliteDialect(host.DataFolder);
        string sealedValue = (await StoredSecretAsync(raw, Legacy))!;
        Assert.StartsWith(TotpSecretProtector.Prefix, sealedValue, StringComparison.Ordinal);
        Assert.DoesNotContain(clear, sealedValue, StringComparison.Ordinal);
        var legacy = new TestUser(0, Legacy, Password, clear, ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using (ConsoleClient client = host.Client())
        {
            Assert.Equal(HttpStatusCode.Redirect, (await client.LoginAsync(legacy)).Status);
        }

        // Another account's sealed secret written over this one's (database write access): it does not open for this
        // account, and the viewer (who would need no code if not enrolled) is refused even with the right password.
        TestUser other = await host.CreateUserAsync("acme-other", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        await SetStoredSecretAsync(raw, Legacy, (await StoredSecretAsync(raw, other.Name))!);
        using (ConsoleClient client = host.Client())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(legacy)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(legacy with { Secret = other.Secret })).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(legacy, withCode: false)).Status);
        }

        // A clear value written back is not trusted either until the console seals it again (at its next start).
        await SetStoredSecretAsync(raw, Legacy, clear);
        using (ConsoleClient client = host.Client())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(legacy)).Status);
        }

        Assert.Equal(1, await host.Accounts.Store.SealClearSecretsAsync(0, None));
        Assert.Equal(0, await host.Accounts.Store.SealClearSecretsAsync(0, None));
        using (ConsoleClient client = host.Client())
        {
            Assert.Equal(HttpStatusCode.Redirect, (await client.LoginAsync(legacy)).Status);
        }
    }

    [Fact]
    public async Task Lockout_HoldsAcrossTwoConsoleInstancesSharingTheDatabase_EvenForConcurrentFailures()
    {
        await using ConsoleTestHost first = await ConsoleTestHost.StartAsync(lockoutThreshold: 4);
        await using ConsoleTestHost second = await ConsoleTestHost.StartAsync(lockoutThreshold: 4, shareWith: first);
        TestUser op = await first.CreateUserAsync("acme-op", ConsoleRole.Operator, ConsoleTestHost.Acme);

        // Six wrong passwords at once, three through each instance: each is counted (an increment in the database).
        var clients = Enumerable.Range(0, 6).Select(i => (i % 2 == 0 ? first : second).Client()).ToList();
        string[] forms = await Task.WhenAll(clients.Select(c => c.TokenAsync("/login")));
        Answer[] answers = await Task.WhenAll(clients.Select((c, i) => c.PostRawAsync("/login", new[]
        {
            new System.Collections.Generic.KeyValuePair<string, string>("UserName", op.Name),
            new("Password", "wrong password " + i),
            new("Code", TestUser.Code(op.Secret, first.Clock.GetUtcNow())),
            new("__sd_csrf", forms[i]),
        })));
        clients.ForEach(c => c.Dispose());
        Assert.All(answers, a => Assert.Equal(HttpStatusCode.Unauthorized, a.Status));

        // Locked in both instances: the right password and code are refused by either.
        using (ConsoleClient viaFirst = first.Client())
        using (ConsoleClient viaSecond = second.Client())
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await viaSecond.LoginAsync(op)).Status);
            Assert.Equal(HttpStatusCode.Unauthorized, (await viaFirst.LoginAsync(op)).Status);
        }

        Assert.Contains(await first.Accounts.Store.ListAuditAsync(null, 50, None), a => a.Action == "sign-in.failed.locked-now");
        first.Clock.Advance(TimeSpan.FromMinutes(16));
        using ConsoleClient after = second.Client();
        Assert.Equal(HttpStatusCode.Redirect, (await after.LoginAsync(op)).Status);
    }
}
