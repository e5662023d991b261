using System;
using System.IO;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using SecureDevice.Core;
using SecureDevice.Core.Update;

namespace SecureDevice.Adapters.Update
{
    /// <summary>
    /// <see cref="IBundleSource"/> over nanoFramework's HttpWebRequest (HttpClient cannot set a Range header there), TLS 1.2
    /// with the update server's CA pinned. One connection per file (no keep-alive pool); redirects are not followed. The response and
    /// its stream are always closed on every path: nanoFramework runs out of memory after a few undisposed responses.
    /// Every expected failure becomes a <see cref="DownloadStatus"/>; only caller bugs (a non-https URL, a negative or
    /// over-2 GiB offset, a bad buffer range, Read without an open file) throw. One file at a time; not thread-safe.
    /// <para>
    /// Blocking is bounded. The request's <c>Timeout</c> covers only the wait for the response headers: DNS, the TCP
    /// connect and the TLS handshake are not bounded by it. So the request runs on a worker thread and <see cref="Open"/>
    /// waits for it at most the open budget; past it the open fails with <see cref="DownloadStatus.Timeout"/> (the engine
    /// retries under its backoff and gives up after 8 attempts without progress). The worker is never abandoned with a
    /// response in hand: it closes what it got when nobody waits any more, and no second request starts while it runs, so
    /// at most one socket is held. What remains: a worker stuck in DNS or a handshake holds that socket until lwIP or mbedTLS
    /// give up (their own timeouts, tens of seconds), during which opens answer Timeout at once. A failed TLS handshake
    /// leaves HttpWebRequest's socket to the finalizer, so after every failed open the collector runs with finalizers,
    /// which closes it at once rather than whenever memory runs low (sockets are few on an ESP32).
    /// </para>
    /// </summary>
    public sealed class HttpsBundleSource : IBundleSource
    {
        private readonly X509Certificate _trustAnchor;
        private readonly int _timeoutMilliseconds;
        private readonly int _openBudgetMilliseconds;
        private readonly object _lock = new object();
        private Thread _worker;
        private bool _waiting;
        private HttpWebResponse _workerResponse;
        private Exception _workerError;
        private string _workerUrl;
        private long _workerOffset;
        private AutoResetEvent _workerDone;
        private HttpWebResponse _response;
        private Stream _body;
        private long _announced;
        private long _received;

        /// <summary>A source that trusts <paramref name="trustAnchor"/> for the update server.</summary>
        /// <param name="trustAnchor">The CA the server certificate must chain to (parsed from the CA PEM file; owned by the
        /// caller, kept for the source's life). The firmware also trusts the CA certificates in the device store.</param>
        /// <param name="timeoutMilliseconds">Limit, in ms, for the response headers after the request is sent, and for each
        /// body read (at least 1).</param>
        /// <param name="openBudgetMilliseconds">Longest the main loop waits in <see cref="Open"/> for DNS, connect, handshake
        /// and headers together, ms (at least <paramref name="timeoutMilliseconds"/>).</param>
        public HttpsBundleSource(X509Certificate trustAnchor, int timeoutMilliseconds, int openBudgetMilliseconds)
        {
            if (trustAnchor == null)
            {
                throw new ArgumentNullException("trustAnchor");
            }

            if (timeoutMilliseconds < 1 || openBudgetMilliseconds < timeoutMilliseconds)
            {
                throw new ArgumentOutOfRangeException("timeoutMilliseconds");
            }

            _trustAnchor = trustAnchor;
            _timeoutMilliseconds = timeoutMilliseconds;
            _openBudgetMilliseconds = openBudgetMilliseconds;
            _workerDone = new AutoResetEvent(false);
        }

        /// <summary>Why the last failed call failed (for logs); null after a success. Never contains a secret.</summary>
        public string LastFailure { get; private set; }

        /// <inheritdoc />
        public DownloadStatus Open(string url, long offset, out long remaining)
        {
            if (url == null || !url.StartsWith("https://"))
            {
                throw new ArgumentException("an update URL must be absolute https", "url");
            }

            // AddRange takes an int; no bundle on a 4 MiB flash comes near 2 GiB.
            if (offset < 0 || offset > int.MaxValue)
            {
                throw new ArgumentOutOfRangeException("offset");
            }

            Close();
            remaining = -1;
            LastFailure = null;
            long started = Environment.TickCount64;
            Thread worker;
            lock (_lock)
            {
                if (_worker != null)
                {
                    // The last request is still blocked in DNS, connect or the handshake: no second socket.
                    return Fail(DownloadStatus.Timeout, "the previous request is still connecting");
                }

                _workerUrl = url;
                _workerOffset = offset;
                _workerResponse = null;
                _workerError = null;
                _waiting = true;
                _workerDone.Reset();
                worker = new Thread(Request);
                _worker = worker;
            }

            worker.Start();
            _workerDone.WaitOne(_openBudgetMilliseconds, false);
            HttpWebResponse response;
            Exception failure;
            lock (_lock)
            {
                // Decided under the lock the worker hands over under: either it finished and handed its result, or it
                // will find nobody waiting and close what it gets.
                bool finished = _worker == null;
                _waiting = false;
                response = _workerResponse;
                failure = _workerError;
                _workerResponse = null;
                _workerError = null;
                if (!finished)
                {
                    // The worker closes whatever it still gets, since nobody waits for it any more.
                    return Released(Fail(DownloadStatus.Timeout, "no response within " + _openBudgetMilliseconds + " ms"));
                }
            }

            if (failure != null)
            {
                return Released(Fail(Classify(failure, Environment.TickCount64 - started >= _timeoutMilliseconds), Describe(failure)));
            }

            if (response == null)
            {
                // The worker got no response object: the request could not be sent.
                return Released(Fail(DownloadStatus.NetworkError, "no response"));
            }

            DownloadStatus status = Accept(response, offset, out remaining);
            if (status != DownloadStatus.Ok)
            {
                CloseQuietly(response, null);
                remaining = -1;
                return status;
            }

            try
            {
                _body = response.GetResponseStream();
                _response = response;
                _announced = remaining;
                _received = 0;
                return DownloadStatus.Ok;
            }
            catch (Exception error)
            {
                CloseQuietly(response, null);
                remaining = -1;
                return Fail(DownloadStatus.NetworkError, Describe(error));
            }
        }

        // The worker: everything that can block without a bound (DNS, connect, handshake, headers). Its result goes to
        // Open when Open still waits; otherwise it is closed here.
        private void Request()
        {
            HttpWebRequest request = null;
            HttpWebResponse response = null;
            Exception error = null;
            try
            {
                request = (HttpWebRequest)WebRequest.Create(_workerUrl);
                request.Method = "GET";

                // One connection per file: nothing is left in the request class's connection pool between downloads.
                request.KeepAlive = false;

                // nanoFramework never follows redirects (AllowAutoRedirect is always false), so a 3xx, which could
                // lead to plain http, is reported as a server error.
                request.HttpsAuthentCert = _trustAnchor;
                request.SslProtocols = SslProtocols.Tls12;

                // Must be set: the request's default (0) reaches mbedTLS as "do not verify the server".
                request.SslVerification = SslVerification.CertificateRequired;
                request.Timeout = _timeoutMilliseconds;
                request.ReadWriteTimeout = _timeoutMilliseconds;
                if (_workerOffset > 0)
                {
                    // Range: bytes=offset-
                    request.AddRange((int)_workerOffset);
                }

                response = (HttpWebResponse)request.GetResponse();
            }
            catch (WebException failure)
            {
                // Some versions report an HTTP error status as a WebException carrying the response.
                response = failure.Response as HttpWebResponse;
                error = response == null ? failure : null;
            }
            catch (Exception failure)
            {
                error = failure;
            }
            finally
            {
                // Releases the socket when no response was created; a no-op for the connection a response now owns.
                if (request != null)
                {
                    try
                    {
                        request.Dispose();
                    }
                    catch (Exception)
                    {
                        // Disposing a failed request may throw; nothing else can be released.
                    }
                }
            }

            bool handed;
            lock (_lock)
            {
                handed = _waiting;
                if (handed)
                {
                    _workerResponse = response;
                    _workerError = error;
                }

                _worker = null;
                _workerDone.Set();
            }

            if (!handed)
            {
                CloseQuietly(response, null);
            }
        }

        // After a failed open: the collector runs with finalizers, so a socket HttpWebRequest left behind (a failed TLS
        // handshake does) is closed now rather than when memory runs low.
        private static DownloadStatus Released(DownloadStatus status)
        {
            try
            {
                nanoFramework.Runtime.Native.GC.Run(false);
                GC.WaitForPendingFinalizers();
            }
            catch (Exception)
            {
                // Best effort.
            }

            return status;
        }

        /// <inheritdoc />
        public DownloadStatus Read(byte[] buffer, int offset, int count, out int read)
        {
            ByteRange.Check(buffer, offset, count);
            read = 0;
            if (_body == null)
            {
                throw new InvalidOperationException("Read without an open file (Open did not return Ok)");
            }

            if (count == 0)
            {
                return DownloadStatus.Ok;
            }

            try
            {
                int chunk = _body.Read(buffer, offset, count);
                if (chunk <= 0)
                {
                    // The stream also ends when the server closes early: fewer bytes than announced is an interrupted body.
                    if (_announced >= 0 && _received < _announced)
                    {
                        long got = _received;
                        Close();
                        return Fail(DownloadStatus.NetworkError, "body ended after " + got + " of " + _announced + " bytes");
                    }

                    return DownloadStatus.Ok;
                }

                _received += chunk;
                read = chunk;
                return DownloadStatus.Ok;
            }
            catch (Exception error)
            {
                Close();
                // ReadWriteTimeout expires as SocketException(TimedOut); anything else means the connection broke.
                SocketException socket = error as SocketException;
                bool timedOut = (socket != null && socket.ErrorCode == (int)SocketError.TimedOut) || error is TimeoutException;
                return Fail(timedOut ? DownloadStatus.Timeout : DownloadStatus.NetworkError, Describe(error));
            }
        }

        /// <inheritdoc />
        public void Close()
        {
            HttpWebResponse response = _response;
            Stream body = _body;
            _response = null;
            _body = null;
            CloseQuietly(response, body);
        }

        /// <summary>
        /// Failure class of an exception from sending the request. HttpWebRequest wraps everything in a WebException whose
        /// status is often unset, so the inner exceptions decide: DNS and TCP failures are network; a socket error from
        /// the TLS layer (older firmware: negative mbedTLS code) or any exception of another kind raised during the
        /// handshake (current firmware: CryptographicException, a type outside the listed API) is TLS.
        /// </summary>
        private static DownloadStatus Classify(Exception error, bool timedOut)
        {
            // The request's timer closes the socket when the headers do not arrive in time; what surfaces is whatever
            // the interrupted read threw.
            if (timedOut)
            {
                return DownloadStatus.Timeout;
            }

            for (Exception current = error; current != null; current = current.InnerException)
            {
                WebException web = current as WebException;
                if (web != null)
                {
                    switch (web.Status)
                    {
                        case WebExceptionStatus.NameResolutionFailure:
                        case WebExceptionStatus.ConnectFailure:
                        case WebExceptionStatus.ConnectionClosed:
                        case WebExceptionStatus.ReceiveFailure:
                        case WebExceptionStatus.SendFailure:
                            return DownloadStatus.NetworkError;
                        case WebExceptionStatus.Timeout:
                            return DownloadStatus.Timeout;
                        case WebExceptionStatus.TrustFailure:
                        case WebExceptionStatus.SecureChannelFailure:
                            return DownloadStatus.TlsError;
                        case WebExceptionStatus.ServerProtocolViolation:
                        case WebExceptionStatus.ProtocolError:
                            return DownloadStatus.ServerError;
                        default:
                            // Status not set: the inner exception says more.
                            continue;
                    }
                }

                SocketException socket = current as SocketException;
                if (socket != null)
                {
                    if (socket.ErrorCode == (int)SocketError.TimedOut)
                    {
                        return DownloadStatus.Timeout;
                    }

                    return IsMbedTlsCode(socket.ErrorCode) ? DownloadStatus.TlsError : DownloadStatus.NetworkError;
                }

                if (current is TimeoutException)
                {
                    return DownloadStatus.Timeout;
                }

                if (current is IOException || current is ObjectDisposedException || current is OutOfMemoryException)
                {
                    return DownloadStatus.NetworkError;
                }
            }

            return DownloadStatus.TlsError;
        }

        /// <summary>
        /// True for an mbedTLS error code (-0x0001 to -0x7FFF), which firmware built before nf-interpreter #3468 put in the
        /// SocketException it raised for a failed handshake. Socket errors are positive; runtime HRESULTs are below -0x8000.
        /// </summary>
        private static bool IsMbedTlsCode(int code)
        {
            return code < 0 && code > -0x8000;
        }

        /// <summary>The status line and two headers, judged by the core's <see cref="RangeResponse"/> (the host source applies the same rule).</summary>
        private DownloadStatus Accept(HttpWebResponse response, long offset, out long remaining)
        {
            int code = (int)response.StatusCode;
            string range = code == 206 ? response.GetResponseHeader("Content-Range") : null;
            DownloadStatus status = RangeResponse.Classify(code, response.ContentLength, range, offset, out remaining);
            return status == DownloadStatus.Ok ? status : Fail(status, "HTTP " + code + (range != null ? " Content-Range '" + range + "'" : string.Empty) + " for bytes " + offset + "-");
        }

        private static void CloseQuietly(HttpWebResponse response, Stream body)
        {
            try
            {
                if (body != null)
                {
                    body.Close();
                }
            }
            catch (Exception)
            {
                // Closing a half-read body may fail on a dead connection; there is nothing left to release.
            }

            try
            {
                if (response != null)
                {
                    response.Close();
                }
            }
            catch (Exception)
            {
                // As above.
            }
        }

        private DownloadStatus Fail(DownloadStatus status, string reason)
        {
            LastFailure = reason;
            return status;
        }

        private static string Describe(Exception error)
        {
            Exception inner = error.InnerException;
            return error.GetType().Name + ": " + error.Message + (inner != null ? " (" + inner.GetType().Name + ": " + inner.Message + ")" : string.Empty);
        }
    }
}
