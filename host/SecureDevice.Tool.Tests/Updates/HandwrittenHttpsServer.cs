using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace SecureDevice.Tool.Tests.Updates;

/// <summary>
/// A deliberately simple HTTPS server (TcpListener + SslStream) for the misbehaviour a real static file server never
/// shows: ignoring Range, wrong Content-Range, 5xx, 410, a body cut short. For each connection it reads the request head
/// and writes whatever <c>respond</c> returns for it, then closes.
/// </summary>
public sealed class HandwrittenHttpsServer : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly Func<string, byte[]> _respond;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private int _requests;

    /// <param name="certificate">Server certificate with its key.</param>
    /// <param name="respond">Raw response bytes (status line, headers, body) for a request head.</param>
    public HandwrittenHttpsServer(X509Certificate2 certificate, Func<string, byte[]> respond)
    {
        _certificate = certificate;
        _respond = respond;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = Task.Run(AcceptLoop);
    }

    public int Port { get; }

    /// <summary>Requests received so far.</summary>
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>"https://127.0.0.1:port/".</summary>
    public string BaseUrl => "https://127.0.0.1:" + Port + "/";

    /// <summary>A complete response with the given status line, extra headers and body.</summary>
    public static byte[] Response(string status, byte[] body, string extraHeaders = "", long? contentLength = null)
    {
        string head = "HTTP/1.1 " + status + "\r\nContent-Type: application/octet-stream\r\nContent-Length: " + (contentLength ?? body.Length)
            + "\r\nConnection: close\r\n" + extraHeaders + "\r\n";
        byte[] headBytes = Encoding.ASCII.GetBytes(head);
        byte[] all = new byte[headBytes.Length + body.Length];
        headBytes.CopyTo(all, 0);
        body.CopyTo(all, headBytes.Length);
        return all;
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        try
        {
            _accepting.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptLoop()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception error) when (error is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = Task.Run(() => Serve(client));
        }
    }

    private async Task Serve(TcpClient client)
    {
        using (client)
        {
            try
            {
                using var ssl = new SslStream(client.GetStream(), leaveInnerStreamOpen: false);
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions
                {
                    ServerCertificate = _certificate,
                    EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                }, _stop.Token).ConfigureAwait(false);
                string head = await ReadHead(ssl).ConfigureAwait(false);
                Interlocked.Increment(ref _requests);
                await ssl.WriteAsync(_respond(head), _stop.Token).ConfigureAwait(false);
                await ssl.FlushAsync(_stop.Token).ConfigureAwait(false);
                await ssl.ShutdownAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is IOException or AuthenticationException or OperationCanceledException or ObjectDisposedException)
            {
                // The client gave up (a rejected certificate, a closed body): nothing to do for this test server.
            }
        }
    }

    private static async Task<string> ReadHead(Stream stream)
    {
        var head = new StringBuilder();
        byte[] one = new byte[1];
        while (!head.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal) && head.Length < 16384)
        {
            if (await stream.ReadAsync(one).ConfigureAwait(false) == 0)
            {
                break;
            }

            head.Append((char)one[0]);
        }

        return head.ToString();
    }
}
