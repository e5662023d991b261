using System;
using System.Collections.Generic;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Lab.Demo;

/// <summary>
/// A device's network path to the broker, which the demo can break: a 127.0.0.1 TCP relay to the broker's port. While
/// <see cref="Broken"/>, relayed connections are cut and new ones are accepted and closed at once (the TLS handshake
/// sees the connection close), and each such attempt is counted here, independently of the device's own counters.
/// TLS stays end to end: the relay only moves bytes.
/// </summary>
public sealed class FlakyLink : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly int _brokerPort;
    private readonly List<TcpClient> _open = new();
    private volatile bool _broken;
    private int _refused;

    public FlakyLink(int brokerPort)
    {
        _brokerPort = brokerPort;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        new Thread(Accept) { IsBackground = true, Name = "demo-link" }.Start();
    }

    public int Port { get; }

    /// <summary>Connection attempts refused while broken.</summary>
    public int Refused => Volatile.Read(ref _refused);

    /// <summary>Breaking the link cuts every relayed connection; mending it lets new ones through.</summary>
    public bool Broken
    {
        get => _broken;
        set
        {
            _broken = value;
            if (value)
            {
                Cut();
            }
        }
    }

    /// <summary>Cuts the relayed connections once (a network blip); new connections go through.</summary>
    public void Cut()
    {
        lock (_open)
        {
            foreach (TcpClient client in _open)
            {
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        Broken = true;
    }

    private void Accept()
    {
        try
        {
            while (true)
            {
                TcpClient device = _listener.AcceptTcpClient();
                if (_broken)
                {
                    Interlocked.Increment(ref _refused);
                    device.LingerState = new LingerOption(true, 0);
                    device.Dispose();
                    continue;
                }

                _ = Relay(device);
            }
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or InvalidOperationException)
        {
            // Stopped.
        }
    }

    private async Task Relay(TcpClient device)
    {
        var broker = new TcpClient();
        lock (_open)
        {
            _open.Add(device);
            _open.Add(broker);
        }

        try
        {
            await broker.ConnectAsync(IPAddress.Loopback, _brokerPort);
            NetworkStream fromDevice = device.GetStream();
            NetworkStream toBroker = broker.GetStream();
            await Task.WhenAny(fromDevice.CopyToAsync(toBroker), toBroker.CopyToAsync(fromDevice));
        }
        catch (Exception error) when (error is SocketException or ObjectDisposedException or System.IO.IOException or InvalidOperationException)
        {
            // The link was broken or a side closed.
        }
        finally
        {
            device.Dispose();
            broker.Dispose();
            lock (_open)
            {
                _open.Remove(device);
                _open.Remove(broker);
            }
        }
    }
}
