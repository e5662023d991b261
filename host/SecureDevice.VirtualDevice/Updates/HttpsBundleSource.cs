using System;
using System.IO;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SecureDevice.Core.Update;

namespace SecureDevice.VirtualDevice.Updates;

/// <summary>
/// The virtual device's <see cref="IBundleSource"/>: HttpClient over a SocketsHttpHandler, TLS 1.2/1.3, HTTP/1.1. The
/// server certificate must chain to the pinned CA alone (no system roots, as on the device, whose only anchor is its
/// CACertificates) and match the URL's host name. Every expected failure becomes a <see cref="DownloadStatus"/>; only a
/// caller bug (a non-https URL, a bad buffer range) throws. One file is open at a time; not thread-safe.
/// </summary>
public sealed class HttpsBundleSource : IBundleSource, IDisposable
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1");

    private readonly X509Certificate2 _trustAnchor;
    private readonly TimeSpan _timeout;
    private readonly HttpClient _client;
    private HttpResponseMessage? _response;
    private Stream? _body;
    private string? _validationFailure;

    /// <summary>A source that trusts only <paramref name="trustAnchor"/>.</summary>
    /// <param name="trustAnchor">The CA the update server's certificate must chain to.</param>
    /// <param name="timeout">Limit for connecting plus receiving the response headers, and for each body read.</param>
    public HttpsBundleSource(X509Certificate2 trustAnchor, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(trustAnchor);
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "timeout must be positive");
        }

        _trustAnchor = trustAnchor;
        _timeout = timeout;
        var handler = new SocketsHttpHandler
        {
            ConnectTimeout = timeout,

            // A device neither follows redirects (one to plain http would bypass the pin), nor uses a proxy or cookies,
            // nor accepts compression (byte offsets must be file offsets).
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            SslOptions = new SslClientAuthenticationOptions
            {
                EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
                CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
                RemoteCertificateValidationCallback = ValidateServer,
            },
        };

        // Timeouts are per call (see Open and Read), not per whole download: a large file on a slow link is fine as long
        // as bytes keep arriving.
        _client = new HttpClient(handler, disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };
    }

    /// <summary>Why the last failed call failed (for logs and tests); null after a success.</summary>
    public string? LastFailure { get; private set; }

    /// <inheritdoc />
    public DownloadStatus Open(string url, long offset, out long remaining)
    {
        ArgumentNullException.ThrowIfNull(url);
        if (!Uri.TryCreate(url, UriKind.Absolute, out Uri? uri) || uri.Scheme != Uri.UriSchemeHttps)
        {
            throw new ArgumentException("an update URL must be absolute https, got '" + url + "'", nameof(url));
        }

        if (offset < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "offset must not be negative");
        }

        Close();
        remaining = -1;
        LastFailure = null;
        _validationFailure = null;
        using var request = new HttpRequestMessage(HttpMethod.Get, uri)
        {
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }

        HttpResponseMessage response;
        try
        {
            // The synchronous Send (HTTP/1.1) blocks only the calling device thread, not the thread pool.
            using var timeout = new CancellationTokenSource(_timeout);
            response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException or IOException or SocketException)
        {
            return Fail(Classify(error, _validationFailure), _validationFailure ?? Describe(error));
        }

        DownloadStatus status = Accept(response, offset, out remaining);
        if (status != DownloadStatus.Ok)
        {
            response.Dispose();
            remaining = -1;
            return status;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_timeout);
            _body = response.Content.ReadAsStream(timeout.Token);
            _response = response;
            return DownloadStatus.Ok;
        }
        catch (Exception error) when (error is HttpRequestException or OperationCanceledException or IOException)
        {
            response.Dispose();
            remaining = -1;
            return Fail(Classify(error, null), Describe(error));
        }
    }

    /// <inheritdoc />
    public DownloadStatus Read(byte[] buffer, int offset, int count, out int read)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (offset + (long)count > buffer.Length)
        {
            throw new ArgumentException("offset + count is past the end of the buffer");
        }

        read = 0;
        Stream body = _body ?? throw new InvalidOperationException("Read without an open file (Open did not return Ok)");
        try
        {
            // The response stream of HttpClient has no ReadTimeout; a cancelled read aborts the connection instead.
            using var timeout = new CancellationTokenSource(_timeout);
            read = body.ReadAsync(buffer.AsMemory(offset, count), timeout.Token).AsTask().GetAwaiter().GetResult();
            return DownloadStatus.Ok;
        }
        catch (Exception error) when (error is IOException or HttpRequestException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
            Close();
            return Fail(error is OperationCanceledException ? DownloadStatus.Timeout : DownloadStatus.NetworkError, Describe(error));
        }
    }

    /// <inheritdoc />
    public void Close()
    {
        Stream? body = _body;
        HttpResponseMessage? response = _response;
        _body = null;
        _response = null;
        try
        {
            body?.Dispose();
            response?.Dispose();
        }
        catch (Exception error) when (error is IOException or HttpRequestException or ObjectDisposedException or SocketException)
        {
            // Closing a half-read body may fail on a dead connection; there is nothing left to release.
        }
    }

    /// <summary>Closes any open file and releases the connection pool.</summary>
    public void Dispose()
    {
        Close();
        _client.Dispose();
    }

    /// <summary>
    /// Failure class of an exception from sending a request: our own rejection of the certificate, or any TLS failure,
    /// is <see cref="DownloadStatus.TlsError"/>; a cancelled wait is <see cref="DownloadStatus.Timeout"/>; an unparsable
    /// response is <see cref="DownloadStatus.ServerError"/>; everything else (DNS, refused, reset) is
    /// <see cref="DownloadStatus.NetworkError"/>.
    /// </summary>
    internal static DownloadStatus Classify(Exception error, string? ownValidationFailure)
    {
        if (ownValidationFailure != null)
        {
            return DownloadStatus.TlsError;
        }

        for (Exception? inner = error; inner != null; inner = inner.InnerException)
        {
            if (inner is AuthenticationException)
            {
                return DownloadStatus.TlsError;
            }

            if (inner is OperationCanceledException or TimeoutException)
            {
                return DownloadStatus.Timeout;
            }
        }

        if (error is HttpRequestException http)
        {
            switch (http.HttpRequestError)
            {
                case HttpRequestError.SecureConnectionError:
                    return DownloadStatus.TlsError;
                case HttpRequestError.InvalidResponse:
                case HttpRequestError.ConfigurationLimitExceeded:
                case HttpRequestError.VersionNegotiationError:
                    return DownloadStatus.ServerError;
            }
        }

        return DownloadStatus.NetworkError;
    }

    /// <summary>The status line and two headers, judged by the core's <see cref="RangeResponse"/> (the ESP32 adapter applies the same rule).</summary>
    private DownloadStatus Accept(HttpResponseMessage response, long offset, out long remaining)
    {
        int code = (int)response.StatusCode;
        string? range = response.Content.Headers.NonValidated.TryGetValues("Content-Range", out HeaderStringValues values) ? values.ToString() : null;
        DownloadStatus status = RangeResponse.Classify(code, response.Content.Headers.ContentLength ?? -1, range, offset, out remaining);
        return status == DownloadStatus.Ok ? status : Fail(status, "HTTP " + code + (range != null ? " Content-Range '" + range + "'" : string.Empty) + " for bytes " + offset + "-");
    }

    private bool ValidateServer(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
    {
        if (certificate == null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            _validationFailure = "no server certificate";
            return false;
        }

        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            _validationFailure = "server certificate does not match the URL's host name";
            return false;
        }

        // RemoteCertificateChainErrors is expected (the pinned CA is in no system store); the chain is built again here
        // against the pinned CA alone, so a certificate from any other CA, system roots included, is refused.
        using var pinned = new X509Chain();
        pinned.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        pinned.ChainPolicy.CustomTrustStore.Add(_trustAnchor);
        pinned.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        pinned.ChainPolicy.ApplicationPolicy.Add(ServerAuthentication);
        if (chain != null)
        {
            foreach (X509ChainElement element in chain.ChainElements)
            {
                pinned.ChainPolicy.ExtraStore.Add(element.Certificate);
            }
        }

        using var presented = new X509Certificate2(certificate);
        if (!pinned.Build(presented))
        {
            _validationFailure = "server certificate does not chain to the pinned CA";
            return false;
        }

        return true;
    }

    private DownloadStatus Fail(DownloadStatus status, string reason)
    {
        LastFailure = status + ": " + reason;
        return status;
    }

    private static string Describe(Exception error) =>
        error.GetType().Name + ": " + error.Message + (error.InnerException != null ? " (" + error.InnerException.Message + ")" : string.Empty);
}
