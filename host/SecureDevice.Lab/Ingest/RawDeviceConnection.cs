using System;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.VirtualDevice.Mqtt;

namespace SecureDevice.Lab.Ingest;

/// <summary>
/// A bench device's own MQTT 3.1.1 connection without a client library, for the load generator: a socket, mutual TLS
/// (TLS 1.2 or 1.3, the device's certificate, the lab root as the only trust anchor, the broker's name checked), CONNECT
/// with the device's client id, a clean session and a 60 s keep-alive (what <see cref="DevicePublisher"/> asks of
/// MQTTnet), CONNACK checked; then runs of pre-encoded QoS 1 PUBLISH frames (<see cref="DeviceFrames"/>) written as one
/// slice each (one write, as few TLS records as the bytes allow), and one read loop that parses the PUBACKs in bulk
/// (<see cref="PubackReader"/>). Publishing allocates nothing unless the socket's send buffer is full.
/// </summary>
public sealed class RawDeviceConnection : IAsyncDisposable
{
    /// <summary>
    /// SO_SNDBUF and SO_RCVBUF. Set explicitly (Linux then doubles them and stops autotuning) and large: an 8 KiB receive
    /// buffer filled with small TLS records is what stalled the service (docs/scale.md, fourth round). 256 KiB holds the
    /// largest window (1,000 publishes of ~120 bytes) several times.
    /// </summary>
    public const int SocketBufferBytes = 256 * 1024;

    /// <summary>The keep-alive asked in CONNECT (DevicePublisher's); a PINGREQ goes out after a third of it without a write.</summary>
    public const int KeepAliveSeconds = 60;

    private static readonly byte[] PingRequest = MqttCodec.PingReq();
    private static readonly byte[] DisconnectPacket = MqttCodec.Disconnect();

    private readonly SslStream _ssl;
    private readonly PubackReader _reader = new();
    private readonly byte[] _readBuffer = new byte[4096];
    private readonly CancellationTokenSource _closing = new();
    private readonly Timer _keepAlive;
    private Task _readLoop = Task.CompletedTask;
    private PublishRun? _run;
    private DeviceFrames? _frames;
    private long _sent;
    private int _writing;
    private long _lastWrite;

    private RawDeviceConnection(string id, SslStream ssl)
    {
        Id = id;
        _ssl = ssl;
        _lastWrite = Environment.TickCount64;
        _keepAlive = new Timer(_ => Ping(), null, Timeout.Infinite, Timeout.Infinite);
    }

    public string Id { get; }

    /// <summary>Publishes of the current run written so far.</summary>
    public long Sent => Volatile.Read(ref _sent);

    /// <summary>Publishes of the current run the broker acknowledged.</summary>
    public long Acknowledged => _reader.Acknowledged;

    /// <summary>Why the connection failed (null while it works).</summary>
    public string? Fault { get; private set; }

    /// <summary>Connects <paramref name="device"/> to <paramref name="host"/>:<paramref name="port"/> and waits for the broker's CONNACK (20 s at most).</summary>
    /// <exception cref="InvalidOperationException">The broker refused the connection or broke MQTT.</exception>
    /// <exception cref="AuthenticationException">TLS failed (the broker's certificate is not the lab's, or its name is wrong).</exception>
    /// <exception cref="SocketException">No connection.</exception>
    public static async Task<RawDeviceConnection> ConnectAsync(EnrolledDevice device, string host, int port, X509Certificate2 root, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(20));
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, SendBufferSize = SocketBufferBytes, ReceiveBufferSize = SocketBufferBytes };
        SslStream? ssl = null;
        try
        {
            await socket.ConnectAsync(host, port, timeout.Token).ConfigureAwait(false);
            ssl = new SslStream(new NetworkStream(socket, ownsSocket: true), leaveInnerStreamOpen: false);
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.Add(root);
            // No validation callback: SslStream refuses any policy error, so a chain to another root and a name that is
            // not the host both fail the handshake.
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                ClientCertificateContext = SslStreamCertificateContext.Create(device.Certificate, additionalCertificates: null, offline: true),
                CertificateChainPolicy = policy,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
            }, timeout.Token).ConfigureAwait(false);
            await ssl.WriteAsync(ConnectPacket(device.Id), timeout.Token).ConfigureAwait(false);
            byte[] connack = new byte[4];
            await ssl.ReadExactlyAsync(connack.AsMemory(0, 2), timeout.Token).ConfigureAwait(false);
            if (connack[0] != 0x20 || connack[1] != 2)
            {
                throw new InvalidOperationException(device.Id + ": expected CONNACK (0x20 0x02), got 0x" + connack[0].ToString("x2") + " 0x" + connack[1].ToString("x2"));
            }

            await ssl.ReadExactlyAsync(connack.AsMemory(2, 2), timeout.Token).ConfigureAwait(false);
            MqttPacket packet = MqttCodec.Decode(connack[0], connack[2..], 4);
            if (packet.ReturnCode != 0)
            {
                throw new InvalidOperationException(device.Id + ": the broker refused the connection: CONNACK return code " + packet.ReturnCode);
            }

            var connection = new RawDeviceConnection(device.Id, ssl);
            connection._readLoop = Task.Run(connection.ReadLoopAsync, CancellationToken.None);
            connection._keepAlive.Change(TimeSpan.FromSeconds(KeepAliveSeconds / 3), TimeSpan.FromSeconds(KeepAliveSeconds / 3));
            return connection;
        }
        catch (MqttProtocolException error)
        {
            Dispose(ssl, socket);
            throw new InvalidOperationException(device.Id + ": CONNACK breaks MQTT: " + error.Message);
        }
        catch
        {
            Dispose(ssl, socket);
            throw;
        }
    }

    /// <summary>The CONNECT this client sends: its client id, a clean session, <see cref="KeepAliveSeconds"/>, no will, no user name.</summary>
    public static byte[] ConnectPacket(string clientId) => MqttCodec.Connect(clientId, KeepAliveSeconds, cleanSession: true, null, null, 0, false);

    /// <summary>Starts a run of <paramref name="frames"/>: packet ids and counts from 0 again. Only when nothing is unacknowledged.</summary>
    /// <exception cref="InvalidOperationException">The connection failed, or publishes of the last run are unacknowledged.</exception>
    public void Begin(PublishRun run, DeviceFrames frames)
    {
        if (Fault != null)
        {
            throw new InvalidOperationException(Id + ": " + Fault);
        }

        // A PINGREQ may be under way (the lanes wait for it); publishes of the last run may not.
        if (_frames != null && _reader.Acknowledged != Sent)
        {
            throw new InvalidOperationException(Id + ": the last run is not finished");
        }

        _reader.Restart();
        Volatile.Write(ref _sent, 0);
        _frames = frames;
        _run = run;
    }

    /// <summary>
    /// Writes frames <paramref name="from"/>..<paramref name="to"/>-1 of the run in one write, after stamping their
    /// <paramref name="published"/> entries (report k = frame × <paramref name="stride"/> + <paramref name="device"/>) with
    /// <paramref name="now"/>. False when a write (or a PINGREQ) is still under way: try again later.
    /// </summary>
    public bool TryWrite(long from, long to, long[] published, int stride, int device, long now)
    {
        if (Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
        {
            return false;
        }

        DeviceFrames frames = _frames!;
        for (long j = from; j < to; j++)
        {
            published[(j * stride) + device] = now;
        }

        int start = frames.Offsets[from];
        int end = frames.Offsets[to];
        // Counted before the write: a PUBACK can arrive before WriteAsync returns.
        Volatile.Write(ref _sent, to);
        _lastWrite = Environment.TickCount64;
        Write(frames.Bytes.AsMemory(start, end - start));
        return true;
    }

    public async ValueTask DisposeAsync()
    {
        await _keepAlive.DisposeAsync().ConfigureAwait(false);
        if (Fault == null && Interlocked.CompareExchange(ref _writing, 1, 0) == 0)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _ssl.WriteAsync(DisconnectPacket, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is not OutOfMemoryException)
            {
                // Already gone.
            }
        }

        _closing.Cancel();
        _ssl.Dispose();
        try
        {
            await _readLoop.ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
        }

        _closing.Dispose();
    }

    private static void Dispose(SslStream? ssl, Socket socket)
    {
        ssl?.Dispose();
        socket.Dispose();
    }

    private void Write(ReadOnlyMemory<byte> bytes)
    {
        ValueTask write;
        try
        {
            write = _ssl.WriteAsync(bytes, _closing.Token);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Volatile.Write(ref _writing, 0);
            Fail("write failed: " + error.Message);
            return;
        }

        if (write.IsCompletedSuccessfully)
        {
            // The usual case: the socket took the bytes at once (nothing allocated).
            write.GetAwaiter().GetResult();
            Volatile.Write(ref _writing, 0);
        }
        else
        {
            _ = CompleteWriteAsync(write);
        }
    }

    private async Task CompleteWriteAsync(ValueTask write)
    {
        try
        {
            await write.ConfigureAwait(false);
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Fail("write failed: " + error.Message);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    /// <summary>The keep-alive: a PINGREQ when nothing was written for a third of it (skipped while a write is under way).</summary>
    private void Ping()
    {
        if (Fault != null || Environment.TickCount64 - Volatile.Read(ref _lastWrite) < KeepAliveSeconds * 1000 / 3 || Interlocked.CompareExchange(ref _writing, 1, 0) != 0)
        {
            return;
        }

        _reader.ExpectPingResponse();
        _lastWrite = Environment.TickCount64;
        Write(PingRequest);
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (true)
            {
                int read = await _ssl.ReadAsync(_readBuffer, _closing.Token).ConfigureAwait(false);
                if (read == 0)
                {
                    Fail("the broker closed the connection");
                    return;
                }

                PubackStatus status = _reader.Feed(_readBuffer.AsSpan(0, read), Sent, out int acknowledged);
                if (acknowledged > 0)
                {
                    _run?.Acknowledge(acknowledged);
                }

                if (status != PubackStatus.Ok)
                {
                    Fail(_reader.Detail);
                    return;
                }
            }
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            Fail("read failed: " + error.Message);
        }
    }

    private void Fail(string why)
    {
        if (_closing.IsCancellationRequested || Fault != null)
        {
            return;
        }

        Fault = why;
        _run?.Fail(Id + ": " + why);
    }
}
