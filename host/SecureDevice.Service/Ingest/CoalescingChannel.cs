using System;
using System.Buffers;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet.Exceptions;
using MQTTnet.Channel;

namespace SecureDevice.Service.Ingest;

/// <summary>
/// Write-behind for the service's broker connection: packets are copied into a pending buffer and one writer task sends
/// whatever has gathered, in order, with one write to the inner channel (one TLS record, one <c>send</c>) per round.
/// </summary>
/// <remarks>
/// <para>
/// Why: MQTTnet writes every packet with its own write to the TLS stream, with Nagle off. Acknowledge-after-commit sends
/// the PUBACKs of a committed batch (hundreds) back to back, so at 10,000 reports/s that was 10,000 TLS records, 10,000
/// <c>send</c> calls and 10,000 TCP segments a second, each read, decrypted and parsed on its own by the broker, on the
/// same two cores as everything else. Gathered, a batch's PUBACKs (4 bytes each) leave in a few records.
/// </para>
/// <para>
/// Contract. <see cref="WriteAsync"/> returns once the bytes are queued, not sent, unless <see cref="PendingLimit"/>
/// bytes are already waiting: then it waits for the writer to drain them (back-pressure, bounded memory). The writer
/// starts at the end of a packet (<c>isEndOfPacket</c>), so a packet MQTTnet writes in two parts leaves whole. Order is
/// kept: one writer, one buffer. A failed inner write ends the connection: the inner channel is disposed (MQTTnet's
/// reader then sees the close and reconnects), and every later write throws. What was queued and not sent is lost with
/// the connection, which is what a write error means anyway: an unsent PUBACK leaves the message with the broker, which
/// sends it again, and ingest stores it once (deduplication on device, boot, sequence); an unsent device command is
/// reported failed by its own PUBACK timeout. <see cref="DisconnectAsync"/> sends what is queued first, so a DISCONNECT
/// reaches the broker.
/// </para>
/// </remarks>
public sealed class CoalescingChannel : IMqttChannel
{
    /// <summary>Bytes queued before a write waits for the writer: 64 KiB (16,384 PUBACKs; a few health-report-sized commands).</summary>
    public const int PendingLimit = 64 * 1024;

    private readonly IMqttChannel _inner;
    private readonly object _sync = new();
    private ArrayBufferWriter<byte> _pending = new(4096);
    private ArrayBufferWriter<byte> _sending = new(4096);
    private Task _writer = Task.CompletedTask;
    private bool _writing;
    private Exception? _failure;

    public CoalescingChannel(IMqttChannel inner)
    {
        ArgumentNullException.ThrowIfNull(inner);
        _inner = inner;
    }

    /// <summary>Rounds of the writer: inner writes made (each after the first packets it found waiting).</summary>
    public long Flushes => Interlocked.Read(ref _flushes);

    /// <summary>Packets queued (writes that ended a packet).</summary>
    public long Packets => Interlocked.Read(ref _packets);

    private long _flushes;
    private long _packets;

    public X509Certificate2 ClientCertificate => _inner.ClientCertificate;

    public EndPoint RemoteEndPoint => _inner.RemoteEndPoint;

    public EndPoint LocalEndPoint => _inner.LocalEndPoint;

    public bool IsSecureConnection => _inner.IsSecureConnection;

    public Task ConnectAsync(CancellationToken cancellationToken) => _inner.ConnectAsync(cancellationToken);

    public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _inner.ReadAsync(buffer, offset, count, cancellationToken);

    public Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
    {
        // No cancellation check before the copy: the copy never waits, and refusing the second part of a packet whose
        // first part is queued would leave half a packet in front of the next one. Cancellation ends only a drain wait.
        Task? drain = null;
        lock (_sync)
        {
            ThrowIfFailed();
            foreach (ReadOnlyMemory<byte> segment in buffer)
            {
                _pending.Write(segment.Span);
            }

            if (!isEndOfPacket)
            {
                return Task.CompletedTask;
            }

            _packets++;
            if (!_writing)
            {
                _writing = true;
                _writer = Task.Run(WriteLoopAsync, CancellationToken.None);
            }

            if (_pending.WrittenCount >= PendingLimit)
            {
                drain = _writer;
            }
        }

        return drain == null ? Task.CompletedTask : DrainAsync(drain, cancellationToken);
    }

    public async Task DisconnectAsync(CancellationToken cancellationToken)
    {
        Task writer;
        lock (_sync)
        {
            writer = _writer;
        }

        try
        {
            await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _inner.DisconnectAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public void Dispose()
    {
        lock (_sync)
        {
            _failure ??= new ObjectDisposedException(nameof(CoalescingChannel));
        }

        _inner.Dispose();
    }

    private async Task DrainAsync(Task writer, CancellationToken cancellationToken)
    {
        await writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            ThrowIfFailed();
        }
    }

    // The only writer of the inner channel while it runs: takes everything pending, writes it with one call, and stops
    // when nothing is left (the next packet starts it again).
    private async Task WriteLoopAsync()
    {
        while (true)
        {
            ArrayBufferWriter<byte> batch;
            lock (_sync)
            {
                if (_pending.WrittenCount == 0 || _failure != null)
                {
                    _writing = false;
                    return;
                }

                batch = _pending;
                _pending = _sending;
                _sending = batch;
            }

            try
            {
                await _inner.WriteAsync(new ReadOnlySequence<byte>(batch.WrittenMemory), true, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Increment(ref _flushes);
            }
            catch (Exception error)
            {
                lock (_sync)
                {
                    _failure ??= error;
                    _writing = false;
                }

                _inner.Dispose(); // MQTTnet's reader sees the connection close and reports the disconnect
                return;
            }
            finally
            {
                batch.Clear();
            }
        }
    }

    private void ThrowIfFailed()
    {
        if (_failure != null)
        {
            throw new MqttCommunicationException("the connection's earlier write failed: " + _failure.Message, _failure);
        }
    }
}
