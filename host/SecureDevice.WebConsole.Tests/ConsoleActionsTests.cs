using System;
using System.Linq;
using System.Net;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Service.Extensions;
using SecureDevice.Service.Storage;
using SecureDevice.WebConsole.Accounts;
using SecureDevice.WebConsole.Web;
using Xunit;

namespace SecureDevice.WebConsole.Tests;

/// <summary>
/// An action whose record the database refuses, from the device page and from the API (docs/console.md, "Actions"):
/// a 503 with one fixed line, never a 500 and never the database's text. The intent refused: nothing was done (the
/// mechanism was never asked). The completion refused after the mechanism ran: the row stays pending for the service's
/// reconciler. The failure is a trigger the test plants on the real SQLite database, whose message stands for the
/// database's text (table names, hosts, constraints) that must stay out of the answer.
/// </summary>
public sealed class ConsoleActionsTests
{
    private const string DatabaseText = "planted failure on host db-7.internal";

    [Theory]
    [InlineData("page", "INSERT", ConsoleActions.NotRecorded)]
    [InlineData("page", "UPDATE", ConsoleActions.RecordPending)]
    [InlineData("api", "INSERT", ConsoleActions.NotRecorded)]
    [InlineData("api", "UPDATE", ConsoleActions.RecordPending)]
    public async Task Action_DatabaseRefusesItsRecord_Is503WithOneLine_NoDatabaseText(string surface, string refused, string line)
    {
        await using ConsoleTestHost host = await ConsoleTestHost.StartAsync();
        TestUser op = await host.CreateUserAsync("acme-operator", ConsoleRole.Operator, ConsoleTestHost.Acme);
        using ConsoleClient client = host.Client();
        string? token = null;
        if (surface == "page")
        {
            await client.LoginAsync(op);
        }
        else
        {
            token = await ApiTests.IssueAsync(host, op);
        }

        // Refuses the intent's row (INSERT) or its completion (UPDATE) in the actions table.
        await ExecuteAsync(host, $"CREATE TRIGGER tr_planted_failure BEFORE {refused} ON {Tables.Actions} BEGIN SELECT RAISE(ABORT, '{DatabaseText}'); END");
        string device = "/devices/" + ConsoleTestHost.AcmeDevice;
        Answer answer = surface == "page"
            ? await client.PostFormAsync(device, device + "?handler=Action", ("Kind", "throttle"), ("Reason", "flooding"))
            : await client.ApiAsync("POST", "/api/v1" + device + "/actions", token, "{\"kind\":\"throttle\",\"reason\":\"flooding\"}");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, answer.Status);
        Assert.DoesNotContain("planted", answer.Body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("sqlite", answer.Body, StringComparison.OrdinalIgnoreCase);
        Assert.Contains(surface == "page" ? "throttle: " + line + "." : "{\"error\":\"" + line + "\"}", answer.Body, StringComparison.Ordinal);
        if (surface == "page")
        {
            Assert.Contains(ConsoleTestHost.AcmeDevice, answer.Body, StringComparison.Ordinal); // the device's page, with the line
        }

        await ExecuteAsync(host, "DROP TRIGGER tr_planted_failure");
        var actions = await host.Store.ListActionsAsync(ConsoleTestHost.AcmeDevice, 10, CancellationToken.None);
        if (refused == "INSERT")
        {
            Assert.Empty(host.Response.Requests); // nothing was done
            Assert.Empty(actions);
        }
        else
        {
            Assert.Single(host.Response.Requests); // the mechanism ran
            Assert.Equal(ActionRecord.Pending, Assert.Single(actions).Outcome); // for the reconciler
        }
    }

    /// <summary>
    /// The database's text goes to the log, escaped onto one line (it can carry a device's or an attacker's bytes: a
    /// forged line, a terminal escape), with what happened to the action.
    /// </summary>
    [Fact]
    public async Task ExecuteAsync_IntentNotRecorded_LogsTheDatabaseTextEscapedOnOneLine()
    {
        var log = new ListLogger();
        var request = new DeviceActionRequest("dev-1", DeviceActionKind.Quarantine, "api:o@127.0.0.1 token 7", "why");
        (ActionOutcome? outcome, string? unavailable) = await ConsoleActions.ExecuteAsync(new Throwing(new ActionNotStartedException("not taken",
            new InvalidOperationException("disk I/O error\nError: forged line \u001b[2J"))), request, log, CancellationToken.None);

        Assert.Null(outcome);
        Assert.Equal(ConsoleActions.NotRecorded, unavailable);
        string line = Assert.Single(log.Lines);
        Assert.Equal("Error: console: quarantine on dev-1 by api:o@127.0.0.1 token 7: its intent was not recorded, nothing was done: InvalidOperationException: "
            + "disk I/O error\\x0aError: forged line \\x1b[2J", line);
    }

    private sealed class Throwing(Exception error) : IDeviceActions
    {
        public Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken) => Task.FromException<ActionOutcome>(error);
    }

    private sealed class ListLogger : ILogger
    {
        public System.Collections.Generic.List<string> Lines { get; } = new();

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(logLevel + ": " + formatter(state, exception));
    }

    private static async Task ExecuteAsync(ConsoleTestHost host, string sql)
    {
        await using var connection = await new SqliteDialect(host.DataFolder).OpenAsync(CancellationToken.None);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync(CancellationToken.None);
    }
}
