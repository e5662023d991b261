using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading.Tasks;

namespace SecureDevice.Lab.Alerts;

/// <summary>One webhook POST as received, with the receiver's own verdict on its signature.</summary>
/// <param name="Kind">The alert's "kind" member (a finding rule or an action kind), or null when the body is not an alert.</param>
/// <param name="Device">The alert's device.</param>
/// <param name="State">The alert's state (open, cleared, throttled, quarantined...).</param>
/// <param name="SignatureValid">True when the HMAC-SHA256 over "t.body" under the owner's secret matches (computed here, independently of the sender).</param>
/// <param name="Body">The raw body as text.</param>
public sealed record ReceivedAlert(string? Kind, string? Device, string? State, bool SignatureValid, string Body);

/// <summary>
/// A customer's webhook endpoint for tests and the demo: an HTTP listener on 127.0.0.1 that records each POST (body at
/// most 64 KiB) and checks its <c>X-SecureDevice-Signature: t=UNIX,v1=HEX</c> header with its own HMAC-SHA256 code.
/// </summary>
public sealed class WebhookInbox : IDisposable
{
    private const int MaxBody = 64 * 1024;
    private readonly HttpListener _listener = new();
    private readonly byte[] _secret;
    private readonly Task _loop;

    private WebhookInbox(byte[] secret, int port)
    {
        _secret = secret;
        Url = new Uri("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/hook");
        _listener.Prefixes.Add("http://127.0.0.1:" + port.ToString(CultureInfo.InvariantCulture) + "/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public Uri Url { get; }

    public ConcurrentQueue<ReceivedAlert> Received { get; } = new();

    /// <summary>Starts a receiver on a free loopback port that verifies with <paramref name="secret"/>.</summary>
    public static WebhookInbox Start(byte[] secret)
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return new WebhookInbox(secret, port);
    }

    /// <summary>True when <paramref name="header"/> carries a v1 HMAC-SHA256 of "t.body" under <paramref name="secret"/>.</summary>
    public static bool Verify(byte[] secret, string? header, byte[] body)
    {
        string? t = null;
        string? v1 = null;
        foreach (string part in (header ?? string.Empty).Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                t = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                v1 = part[3..];
            }
        }

        if (t == null || v1 == null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out _))
        {
            return false;
        }

        byte[] signed = new byte[t.Length + 1 + body.Length];
        Encoding.ASCII.GetBytes(t + ".").CopyTo(signed, 0);
        body.CopyTo(signed, t.Length + 1);
        byte[] expected = HMACSHA256.HashData(secret, signed);
        byte[] given;
        try
        {
            given = Convert.FromHexString(v1);
        }
        catch (FormatException)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(expected, given);
    }

    public void Dispose()
    {
        _listener.Close();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(5));
        }
        catch (AggregateException)
        {
        }
    }

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync().ConfigureAwait(false);
            }
            catch (Exception error) when (error is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            try
            {
                using var buffer = new MemoryStream();
                byte[] chunk = new byte[8192];
                int read;
                while ((read = await context.Request.InputStream.ReadAsync(chunk).ConfigureAwait(false)) > 0 && buffer.Length <= MaxBody)
                {
                    buffer.Write(chunk, 0, read);
                }

                byte[] body = buffer.ToArray();
                bool valid = context.Request.HttpMethod == "POST" && body.Length <= MaxBody && Verify(_secret, context.Request.Headers["X-SecureDevice-Signature"], body);
                string? kind = null, device = null, state = null;
                try
                {
                    using JsonDocument document = JsonDocument.Parse(body);
                    kind = Member(document.RootElement, "kind");
                    device = Member(document.RootElement, "device");
                    state = Member(document.RootElement, "state");
                }
                catch (JsonException)
                {
                }

                var received = new ReceivedAlert(kind, device, state, valid, Encoding.UTF8.GetString(body));
                if (Down)
                {
                    Refused.Enqueue(received);
                    context.Response.StatusCode = 503;
                }
                else
                {
                    Received.Enqueue(received);
                    context.Response.StatusCode = valid ? 200 : 401;
                }
            }
            catch (Exception error) when (error is IOException or HttpListenerException)
            {
                context.Response.StatusCode = 400;
            }

            try
            {
                context.Response.Close();
            }
            catch (Exception error) when (error is IOException or HttpListenerException or ObjectDisposedException)
            {
            }
        }
    }

    private static string? Member(JsonElement root, string name) =>
        root.ValueKind == JsonValueKind.Object && root.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>
    /// While true, every POST is answered 503 (a customer's endpoint down) and recorded in <see cref="Refused"/> only:
    /// tests of retries and of their survival across a restart.
    /// </summary>
    public bool Down { get; set; }

    /// <summary>The POSTs answered 503 while <see cref="Down"/>.</summary>
    public ConcurrentQueue<ReceivedAlert> Refused { get; } = new();

    /// <summary>The alerts received so far.</summary>
    public IReadOnlyList<ReceivedAlert> Snapshot() => Received.ToArray();
}
