using System.Net;
using System.Net.Sockets;

namespace SecureDevice.TestSupport;

/// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
public static class FreePort
{
    public static int Next()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
