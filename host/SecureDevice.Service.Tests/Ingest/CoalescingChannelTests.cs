using System;
using System.Buffers;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet.Adapter;
using MQTTnet.Channel;
using MQTTnet.Diagnostics.Logger;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using MQTTnet.Implementations;
using MQTTnet.Packets;
using SecureDevice.Service.Ingest;
using Xunit;

namespace SecureDevice.Service.Tests.Ingest;

/// <summary>
/// Write-behind on the broker connection: packets written while the inner write is busy leave together, in order;
/// a packet leaves whole; a full buffer makes the writer wait; a failed write ends the connection; a disconnect sends
/// what is queued first. The last test drives MQTTnet's own adapter over a stream, as ingest does.
/// </summary>
public sealed class CoalescingChannelTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task WriteAsync_PacketsQueuedWhileAWriteIsBusy_LeaveInOneWriteInOrder()
    {
        var inner = new HeldChannel();
        var channel = new CoalescingChannel(inner);

        await channel.WriteAsync(Bytes(1), true, CancellationToken.None);
        await inner.WriteStarted.WaitAsync(Patience);
        for (byte b = 2; b <= 4; b++)
        {
            Task queued = channel.WriteAsync(Bytes(b, b), true, CancellationToken.None);
            Assert.True(queued.IsCompletedSuccessfully); // queued, not sent: the caller does not wait for the socket
        }

        inner.Release();
        await inner.WaitForWrites(2);

        Assert.Equal(new[] { "1", "2,2,3,3,4,4" }, inner.Writes);
        Assert.Equal(2, channel.Flushes);
        Assert.Equal(4, channel.Packets);
    }

    [Fact]
    public async Task WriteAsync_FirstPartOfAPacket_NothingSentUntilItsEnd()
    {
        var inner = new HeldChannel();
        inner.Release();
        var channel = new CoalescingChannel(inner);

        await channel.WriteAsync(Bytes(0x30, 5), false, CancellationToken.None);
        await Task.Delay(50);
        Assert.Empty(inner.Writes);

        await channel.WriteAsync(Bytes(7, 7, 7), true, CancellationToken.None);
        await inner.WaitForWrites(1);

        Assert.Equal(new[] { "48,5,7,7,7" }, inner.Writes);
    }

    [Fact]
    public async Task WriteAsync_SecondPartWithACancelledToken_PacketStillLeavesWhole()
    {
        var inner = new HeldChannel();
        inner.Release();
        var channel = new CoalescingChannel(inner);
        await channel.WriteAsync(Bytes(0x30, 2), false, CancellationToken.None);

        // Half a packet must never stay queued in front of the next one.
        await channel.WriteAsync(Bytes(9, 9), true, new CancellationToken(true));
        await inner.WaitForWrites(1);

        Assert.Equal(new[] { "48,2,9,9" }, inner.Writes);
    }

    [Fact]
    public async Task WriteAsync_PendingReachesTheLimit_WaitsUntilTheWriterDrainsIt()
    {
        var inner = new HeldChannel();
        var channel = new CoalescingChannel(inner);
        await channel.WriteAsync(Bytes(1), true, CancellationToken.None);
        await inner.WriteStarted.WaitAsync(Patience);

        Task below = channel.WriteAsync(new ReadOnlySequence<byte>(new byte[CoalescingChannel.PendingLimit - 1]), true, CancellationToken.None);
        Task atLimit = channel.WriteAsync(Bytes(2), true, CancellationToken.None);
        await Task.Delay(50);

        Assert.True(below.IsCompletedSuccessfully);
        Assert.False(atLimit.IsCompleted);
        inner.Release();
        await atLimit.WaitAsync(Patience);
        Assert.Equal(2, inner.Writes.Count);
        Assert.Equal(CoalescingChannel.PendingLimit, inner.WrittenLengths[1]);
    }

    [Fact]
    public async Task WriteAsync_InnerWriteFailed_InnerDisposedAndLaterWritesThrow()
    {
        var inner = new HeldChannel { Failure = new IOException("broken pipe") };
        inner.Release();
        var channel = new CoalescingChannel(inner);

        await channel.WriteAsync(Bytes(1), true, CancellationToken.None);
        await inner.Disposed.WaitAsync(Patience);

        var error = await Assert.ThrowsAsync<MqttCommunicationException>(() => channel.WriteAsync(Bytes(2), true, CancellationToken.None));
        Assert.Contains("broken pipe", error.Message);
        Assert.Equal(0, channel.Flushes);
    }

    [Fact]
    public async Task DisconnectAsync_PacketsQueued_SendsThemBeforeDisconnecting()
    {
        var inner = new HeldChannel();
        var channel = new CoalescingChannel(inner);
        await channel.WriteAsync(Bytes(1), true, CancellationToken.None);
        await inner.WriteStarted.WaitAsync(Patience);
        await channel.WriteAsync(Bytes(0xE0, 0), true, CancellationToken.None); // a DISCONNECT

        Task disconnect = channel.DisconnectAsync(CancellationToken.None);
        await Task.Delay(50);
        Assert.False(disconnect.IsCompleted);
        inner.Release();
        await disconnect.WaitAsync(Patience);

        Assert.Equal(new[] { "write 1", "write 224,0", "disconnect" }, inner.Log);
    }

    [Fact]
    public async Task SendPacketAsync_ABatchOfPubacksThroughMqttnet_FewWritesEveryAckOnceInOrder()
    {
        using var stream = new HeldStream();
        var tcp = new MqttTcpChannel(stream, new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 2), null);
        var channel = new CoalescingChannel(tcp);
        using var adapter = new MqttChannelAdapter(channel, new MqttPacketFormatterAdapter(MqttProtocolVersion.V500, new MqttBufferWriter(4096, 65536)), new MqttNetNullLogger());

        // As ingest acknowledges a committed batch: every PUBACK issued, then awaited together.
        var sends = new List<Task>();
        for (ushort id = 1; id <= 500; id++)
        {
            sends.Add(adapter.SendPacketAsync(new MqttPubAckPacket { PacketIdentifier = id }, CancellationToken.None));
        }

        await Task.WhenAll(sends).WaitAsync(Patience); // done before the socket took the first write
        stream.Release();
        await stream.WaitForBytes(500 * 4);

        Assert.InRange(stream.WriteCalls, 1, 2); // the first PUBACK alone, then the 499 queued behind it
        byte[] sent = stream.Written;
        for (int i = 0; i < 500; i++)
        {
            int id = i + 1;
            Assert.Equal(new byte[] { 0x40, 0x02, (byte)(id >> 8), (byte)id }, sent.Skip(i * 4).Take(4).ToArray());
        }
    }

    private static ReadOnlySequence<byte> Bytes(params byte[] bytes) => new(bytes);

    /// <summary>An inner channel whose writes wait for <see cref="Release"/>, recording each write and the disconnect.</summary>
    private sealed class HeldChannel : IMqttChannel
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly object _sync = new();

        public Exception? Failure { get; init; }

        public List<string> Writes { get; } = new();

        public List<int> WrittenLengths { get; } = new();

        public List<string> Log { get; } = new();

        public Task WriteStarted => _started.Task;

        public Task Disposed => _disposed.Task;

        public X509Certificate2 ClientCertificate => null!;

        public EndPoint RemoteEndPoint => new IPEndPoint(IPAddress.Loopback, 1);

        public EndPoint LocalEndPoint => new IPEndPoint(IPAddress.Loopback, 2);

        public bool IsSecureConnection => true;

        public void Release() => _released.TrySetResult();

        public async Task WaitForWrites(int count)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (true)
            {
                lock (_sync)
                {
                    if (Writes.Count >= count)
                    {
                        return;
                    }
                }

                Assert.True(DateTime.UtcNow < deadline, "writes did not arrive");
                await Task.Delay(5);
            }
        }

        public Task ConnectAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task DisconnectAsync(CancellationToken cancellationToken)
        {
            lock (_sync)
            {
                Log.Add("disconnect");
            }

            return Task.CompletedTask;
        }

        public Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => Task.FromResult(0);

        public async Task WriteAsync(ReadOnlySequence<byte> buffer, bool isEndOfPacket, CancellationToken cancellationToken)
        {
            byte[] bytes = buffer.ToArray();
            _started.TrySetResult();
            await _released.Task;
            if (Failure != null)
            {
                throw Failure;
            }

            lock (_sync)
            {
                string text = string.Join(",", bytes.Length > 16 ? bytes.Take(1).Select(b => b.ToString()) : bytes.Select(b => b.ToString()));
                Writes.Add(text);
                WrittenLengths.Add(bytes.Length);
                Log.Add("write " + text);
            }
        }

        public void Dispose() => _disposed.TrySetResult();
    }

    /// <summary>A stream whose writes wait for <see cref="Release"/>; records what was written and in how many calls.</summary>
    private sealed class HeldStream : Stream
    {
        private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly MemoryStream _written = new();
        private int _calls;

        public int WriteCalls => Volatile.Read(ref _calls);

        public byte[] Written
        {
            get
            {
                lock (_written)
                {
                    return _written.ToArray();
                }
            }
        }

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public void Release() => _released.TrySetResult();

        public async Task WaitForBytes(int count)
        {
            var deadline = DateTime.UtcNow + Patience;
            while (Written.Length < count)
            {
                Assert.True(DateTime.UtcNow < deadline, "bytes did not arrive");
                await Task.Delay(5);
            }
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            byte[] copy = buffer.ToArray();
            await _released.Task.ConfigureAwait(false);
            Interlocked.Increment(ref _calls);
            lock (_written)
            {
                _written.Write(copy);
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("writes are asynchronous");

        public override int Read(byte[] buffer, int offset, int count) => 0;

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
