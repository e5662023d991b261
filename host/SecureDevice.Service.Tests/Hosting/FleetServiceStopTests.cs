using System;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Service.Hosting;
using Xunit;

namespace SecureDevice.Service.Tests.Hosting;

public sealed class FleetServiceStopTests
{
    [Fact]
    public async Task StoppedAsync_LoopEndedOnABug_LoggedNotThrown_SoTheShutdownGoesOn()
    {
        var log = new ListLogger();

        await FleetService.StoppedAsync(Task.FromException(new InvalidOperationException("the ingest acknowledger failed\nsecond line")), "the ingest writer", log);
        await FleetService.StoppedAsync(Task.FromCanceled(new System.Threading.CancellationToken(true)), "the MQTT session", log);
        await FleetService.StoppedAsync(Task.CompletedTask, "a background loop", log);

        string line = Assert.Single(log.Lines);
        Assert.StartsWith("Error: the ingest writer had ended on a failure: InvalidOperationException: the ingest acknowledger failed", line);
        Assert.DoesNotContain("\n", line); // the exception's text escaped onto one line
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
}
