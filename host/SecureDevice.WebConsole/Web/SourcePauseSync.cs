using System;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace SecureDevice.WebConsole.Web;

/// <summary>
/// Every <see cref="ConsoleOptions.PauseSyncInterval"/> reads the burst pauses other console instances recorded in the
/// database into this instance's <see cref="FailureBurstGuard"/> (<see cref="FailureBurstGuard.SyncAsync"/>), so a
/// source paused anywhere is refused everywhere within that interval. A failed read is logged and retried; the pauses
/// this instance knows stay in force.
/// </summary>
public sealed class SourcePauseSync : BackgroundService
{
    private readonly FailureBurstGuard _guard;
    private readonly TimeSpan _interval;
    private readonly ILogger _log;

    public SourcePauseSync(FailureBurstGuard guard, ConsoleOptions options, ILogger<SourcePauseSync> log)
    {
        _guard = guard;
        _interval = options.PauseSyncInterval;
        _log = log;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_interval == Timeout.InfiniteTimeSpan)
        {
            return; // tests call SyncAsync themselves
        }

        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await _guard.SyncAsync(stoppingToken).ConfigureAwait(false);
                await Task.Delay(_interval, stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception error) when (error is System.Data.Common.DbException or InvalidOperationException or TimeoutException)
            {
                _log.LogError(error, "console: reading the shared burst pauses failed; retried in {Interval}", _interval);
                await Task.Delay(_interval, stoppingToken).ConfigureAwait(false);
            }
        }
    }
}
