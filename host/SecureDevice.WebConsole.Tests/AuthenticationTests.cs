using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.WebConsole.Accounts;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

public sealed class AuthenticationTests
{
    [Theory]
    [InlineData("short1!", PasswordVerdict.TooShort)]
    [InlineData("password1234", PasswordVerdict.Common)]
    [InlineData("Password123!!", PasswordVerdict.Common)]
    [InlineData("!!qwertyuiop99", PasswordVerdict.Common)]
    [InlineData("123456789012", PasswordVerdict.Common)]
    [InlineData("aaaaaaaaaaaaabbbb", PasswordVerdict.TooFewDistinctCharacters)]
    [InlineData("my name is alice, ok?", PasswordVerdict.ContainsUserName)]
    [InlineData("violet tractor sings 42", PasswordVerdict.Accepted)]
    public void PasswordPolicy_Check_RefusesShortCommonAndNamedPasswords(string password, PasswordVerdict expected) =>
        Assert.Equal(expected, PasswordPolicy.Check(password, "alice"));

    [Fact]
    public async Task Setup_OneTimeLink_SetsPasswordEnrolsTotpAndIsSpent()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        CreatedAccount created = await host.Accounts.CreateAsync("root", ConsoleRole.Admin, null, CancellationToken.None);
        Assert.Equal(CreateStatus.Created, created.Status);
        Assert.Equal(CreateStatus.NameTaken, (await host.Accounts.CreateAsync("root", ConsoleRole.Viewer, null, CancellationToken.None)).Status);
        UserRecord stored = (await host.Accounts.Store.FindByNameAsync("root", CancellationToken.None))!;
        Assert.Null(stored.PasswordHash); // no default password, ever

        using ConsoleClient client = host.Client();
        string link = "/setup?Token=" + Uri.EscapeDataString(created.SetupToken!);
        Answer page = await client.GetAsync(link);
        Assert.Equal(HttpStatusCode.OK, page.Status);
        Assert.Contains(stored.TotpSecret!, page.Body, StringComparison.Ordinal);

        string code = TestUser.Code(stored.TotpSecret!, host.Clock.GetUtcNow());
        Answer weak = await client.PostFormAsync(link, "/setup", ("Token", created.SetupToken!), ("Password", "password1234"), ("Confirm", "password1234"), ("Code", code));
        Assert.Equal(HttpStatusCode.BadRequest, weak.Status);
        Assert.Contains("common passwords", weak.Body, StringComparison.Ordinal);
        Answer wrongCode = await client.PostFormAsync(link, "/setup", ("Token", created.SetupToken!), ("Password", "violet tractor sings 42"), ("Confirm", "violet tractor sings 42"), ("Code", "000000"));
        Assert.Equal(HttpStatusCode.BadRequest, wrongCode.Status);

        Answer done = await client.PostFormAsync(link, "/setup", ("Token", created.SetupToken!), ("Password", "violet tractor sings 42"), ("Confirm", "violet tractor sings 42"), ("Code", code));
        Assert.Equal(HttpStatusCode.Found, done.Status);
        Assert.Equal("/login?setup=done", done.Location);
        UserRecord after = (await host.Accounts.Store.FindByNameAsync("root", CancellationToken.None))!;
        Assert.StartsWith("AQAAAA", after.PasswordHash, StringComparison.Ordinal); // Identity V3 format: PBKDF2
        Assert.DoesNotContain("violet", after.PasswordHash, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync(link)).Status); // spent

        var user = new TestUser(after.Id, "root", "violet tractor sings 42", after.TotpSecret!, ConsoleRole.Admin, null);
        Answer login = await client.LoginAsync(user);
        Assert.Equal(HttpStatusCode.Found, login.Status);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/admin/users")).Status);
    }

    [Fact]
    public async Task Setup_ExpiredOrUnknownLink_Is404()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        CreatedAccount created = await host.Accounts.CreateAsync("late", ConsoleRole.Viewer, null, CancellationToken.None);
        using ConsoleClient client = host.Client();
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/setup?Token=" + new string('A', 43))).Status);
        host.Clock.Advance(TimeSpan.FromHours(25));
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/setup?Token=" + created.SetupToken)).Status);
    }

    [Fact]
    public async Task Login_OperatorWithoutCode_IsRefused_WithCode_Succeeds()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("ops", ConsoleRole.Operator, null);
        using ConsoleClient client = host.Client();
        Answer noCode = await client.LoginAsync(op, withCode: false);
        Assert.Equal(HttpStatusCode.Unauthorized, noCode.Status);
        Assert.Null(client.Session);
        Answer wrongPassword = await client.LoginAsync(op, password: op.Password + "x");
        Assert.Equal(HttpStatusCode.Unauthorized, wrongPassword.Status);
        Answer unknown = await client.LoginAsync(op with { Name = "nobody" });
        Assert.Equal(wrongPassword.Body.Contains(Pages.LoginModel.FailureMessage, StringComparison.Ordinal), unknown.Body.Contains(Pages.LoginModel.FailureMessage, StringComparison.Ordinal));

        Answer ok = await client.LoginAsync(op);
        Assert.Equal(HttpStatusCode.Found, ok.Status);
        Assert.Equal("/", ok.Location);
        Assert.NotNull(client.Session);
    }

    [Fact]
    public async Task Login_CodeReplayed_IsRefused()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("ops", ConsoleRole.Operator, null);
        host.Clock.Advance(TimeSpan.FromSeconds(30));
        string code = TestUser.Code(op.Secret, host.Clock.GetUtcNow());
        LoginResult first = await host.Accounts.LoginAsync("ops", op.Password, code, "127.0.0.1", CancellationToken.None);
        LoginResult replay = await host.Accounts.LoginAsync("ops", op.Password, code, "127.0.0.1", CancellationToken.None);
        Assert.Equal(LoginStatus.Succeeded, first.Status);
        Assert.Equal(LoginStatus.Failed, replay.Status);
    }

    [Fact]
    public async Task Login_AfterThresholdFailures_LocksEvenTheRightPassword_UntilTheLockEnds()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync(lockoutThreshold: 3);
        TestUser viewer = await host.CreateUserAsync("vera", ConsoleRole.Viewer, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        for (int i = 0; i < 3; i++)
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(viewer, password: "wrong password " + i)).Status);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(viewer)).Status);
        Assert.NotNull((await host.Accounts.Store.FindByNameAsync("vera", CancellationToken.None))!.LockedUntilMs);
        host.Clock.Advance(TimeSpan.FromMinutes(16));
        Assert.Equal(HttpStatusCode.Found, (await client.LoginAsync(viewer)).Status);
    }

    [Fact]
    public async Task Login_SqlInjectionInName_FailsAndTablesSurvive()
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser admin = await host.CreateUserAsync("admin", ConsoleRole.Admin, null);
        using ConsoleClient client = host.Client();
        foreach (string payload in new[] { "admin' --", "' OR '1'='1", "admin'; DROP TABLE console_users; --" })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, (await client.LoginAsync(admin with { Name = payload })).Status);
        }

        Assert.Single(await host.Accounts.Store.ListAsync(null, CancellationToken.None));
    }
}
