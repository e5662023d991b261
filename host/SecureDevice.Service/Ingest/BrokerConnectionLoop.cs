using System;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.Extensions.Logging;
using MQTTnet;
using SecureDevice.Fleet.Text;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// The one connect-and-stay-connected loop of the service's two broker connections (ingest's, <see cref="MqttIngestClient"/>,
/// and the command connection's): connect, let the owner set up (subscribe, count, log), wait for the loss, and after a
/// failure wait a full-jitter backoff (0.5 s doubling to 30 s, at least 250 ms) before the next attempt; and the TLS
/// settings and the clean disconnect both use.
/// </summary>
internal static class BrokerConnectionLoop
{
    /// <summary>Runs until <paramref name="cancellationToken"/> is cancelled, then disconnects.</summary>
    /// <param name="client">The MQTTnet client; its <c>DisconnectedAsync</c> tells the loop the connection was lost.</param>
    /// <param name="connect">Connects (the owner builds its options each attempt).</param>
    /// <param name="connected">Called once the broker accepted: the owner's set-up; an exception counts the attempt as failed.</param>
    /// <param name="failed">Called with the consecutive failures so far and the error.</param>
    /// <param name="lost">Called when an established connection was lost.</param>
    /// <param name="state">Called after each attempt with whether the client is connected (a gauge).</param>
    public static async Task RunAsync(
        IMqttClient client,
        Func<CancellationToken, Task<MqttClientConnectResult>> connect,
        Func<MqttClientConnectResult, CancellationToken, Task> connected,
        Action<int, Exception> failed,
        Action lost,
        Action<bool> state,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var random = new Random();
        for (int failures = 0; !cancellationToken.IsCancellationRequested;)
        {
            var gone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            Func<MqttClientDisconnectedEventArgs, Task> onDisconnect = e =>
            {
                gone.TrySetResult();
                return Task.CompletedTask;
            };
            client.DisconnectedAsync += onDisconnect;
            try
            {
                MqttClientConnectResult result = await connect(cancellationToken).ConfigureAwait(false);
                if (result.ResultCode != MqttClientConnectResultCode.Success)
                {
                    throw new InvalidOperationException("the broker refused the connection: " + result.ResultCode);
                }

                await connected(result, cancellationToken).ConfigureAwait(false);
                failures = 0;
                await gone.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
                lost();
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception error)
            {
                failures++;
                failed(failures, error);
            }
            finally
            {
                client.DisconnectedAsync -= onDisconnect;
                state(client.IsConnected);
            }

            if (!client.IsConnected && !cancellationToken.IsCancellationRequested)
            {
                long ceiling = SecureDevice.Core.FloodGuard.Backoff.CeilingMs(Math.Max(0, failures - 1), 500, 30_000);
                long delay = SecureDevice.Core.FloodGuard.Backoff.FullJitterMs(ceiling, 250, (uint)random.Next());
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(delay), time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>A normal DISCONNECT within 5 s if connected (a session's expiry then stands); a failure is only logged (debug).</summary>
    public static async Task DisconnectAsync(IMqttClient client, ILogger log, string what)
    {
        if (!client.IsConnected)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().WithReason(MqttClientDisconnectOptionsReason.NormalDisconnection).Build(), timeout.Token).ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            log.LogDebug("{What}: disconnect: {Error}", what, Printable.Escape(error.Message));
        }
    }

    /// <summary>Mutual TLS 1.2/1.3 to the session's host with its client certificate, trusting only its trust anchor.</summary>
    public static MqttClientOptionsBuilder WithServiceTls(this MqttClientOptionsBuilder builder, BrokerSession session) => builder
        .WithTlsOptions(tls => tls
            .UseTls()
            .WithTargetHost(session.Host)
            .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
            .WithClientCertificates(new X509Certificate2Collection(session.Certificate))
            .WithTrustChain(new X509Certificate2Collection(session.TrustAnchor))
            .WithRevocationMode(X509RevocationMode.NoCheck));
}
