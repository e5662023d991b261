using System;
using System.Threading;
using System.Threading.Channels;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using SecureDevice.Fleet.Text;
using SecureDevice.Service.Monitoring;
using SecureDevice.Service.Storage;

namespace SecureDevice.Service.Extensions;

/// <summary>
/// Between the service and <see cref="IDeviceResponse"/>: queues ingest signals (bounded, never blocking ingest) for
/// one worker, and executes actions with an audit record for each (append-only <see cref="Tables.Actions"/>), setting
/// the device's service state (normal, throttled, quarantined) when an action succeeds, and its presence when the
/// action ended its connection (<see cref="CutReason"/>), and the response ladder's own row when the action is done
/// (<see cref="ActionOutcome.Ladder"/>, else <see cref="DeviceActionRequest.Ladder"/>): all of it in one transaction
/// (<see cref="IActionStore.RecordActionAsync"/>).
/// </summary>
public sealed class ResponseDispatcher : IDeviceActions
{
    /// <summary>Signals held before new ones are dropped.</summary>
    public const int QueueCapacity = 10_000;

    private readonly IDeviceResponse _response;
    private readonly IActionStore _store;
    private readonly ServiceMetrics _metrics;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly Channel<DeviceSignal> _signals = Channel.CreateBounded<DeviceSignal>(new BoundedChannelOptions(QueueCapacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    public ResponseDispatcher(IDeviceResponse response, IActionStore store, ServiceMetrics metrics, ILogger log, TimeProvider time)
    {
        _response = response;
        _store = store;
        _metrics = metrics;
        _log = log;
        _time = time;
    }

    /// <summary>Queues a signal; false (and counted) when the queue is full.</summary>
    public bool Signal(DeviceSignal signal)
    {
        if (_signals.Writer.TryWrite(signal))
        {
            return true;
        }

        _metrics.SignalsDropped.Inc();
        return false;
    }

    public async Task<ActionOutcome> ExecuteAsync(DeviceActionRequest request, CancellationToken cancellationToken)
    {
        ActionOutcome outcome;
        try
        {
            outcome = await _response.ExecuteAsync(request, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OperationCanceledException)
        {
            outcome = ActionOutcome.Failed("the response mechanism failed: " + error.GetType().Name + ": " + error.Message);
        }

        // The record, the state, the presence cut and the ladder's row in one transaction: no reader sees a done action
        // with the device's old state, a crash between them cannot leave a done quarantine on a device still "normal",
        // nor a done throttle whose ladder row is missing (the next offence would throttle again instead of
        // quarantining), nor a lift that forgot the ladder without its record. A failed action is recorded and changes
        // nothing. The mechanism's change (a lift) wins over the requester's (the ladder's own steps).
        long atMs = _time.GetUtcNow().ToUnixTimeMilliseconds();
        await _store.RecordActionAsync(new ActionRecord(0, request.DeviceId, request.Kind.ToString().ToLowerInvariant(), request.Actor, request.Reason, atMs,
            outcome.Done ? "done" : "failed", outcome.Detail), outcome.Done ? ServiceState(request.Kind) : null, outcome.Done ? CutReason(request.Kind) : null,
            outcome.Done ? outcome.Ladder ?? request.Ladder : null, cancellationToken).ConfigureAwait(false);
        return outcome;
    }

    /// <summary>The device's service state after a done <paramref name="kind"/> (null: unchanged, a revocation).</summary>
    public static string? ServiceState(DeviceActionKind kind) => kind switch
    {
        DeviceActionKind.Throttle => "throttled",
        DeviceActionKind.Quarantine => "quarantined",
        DeviceActionKind.Lift => "normal",
        _ => null,
    };

    /// <summary>
    /// Why presence is offline after a done <paramref name="kind"/> that ended the device's connection at the broker
    /// (null: it did not). The device's last "online" would otherwise stand: its will cannot reach the service, the kick
    /// took its publish rights. A lift changes nothing: the device is online when it says so again.
    /// </summary>
    public static string? CutReason(DeviceActionKind kind) => kind switch
    {
        DeviceActionKind.Quarantine => "quarantined: disconnected by the broker",
        DeviceActionKind.Revoke => "revoked: disconnected by the broker",
        _ => null,
    };

    /// <summary>The worker: hands each signal to the response policy until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (DeviceSignal signal in _signals.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                try
                {
                    await _response.OnSignalAsync(signal, this, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception error) when (error is not OperationCanceledException)
                {
                    _metrics.ResponseFailures.Inc();
                    _log.LogWarning("response to a signal for {Device} failed: {Error}", Printable.Escape(signal.DeviceId), Printable.Escape(error.Message));
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
