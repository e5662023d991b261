// The shape of System.Net.Http 1.5.210 (package nanoFramework.System.Net.Http.Client; source: System.Net.Http v1.5.210,
// a37532d0bc21), for the WebRequest family the firmware uses: base types, abstract/virtual/override members, statics,
// return types, parameter names and enum values, which the listing's doc-IDs do not carry. A type whose constructors are
// all internal gets an internal one here (its parameters do not matter outside the assembly), so that no public
// constructor appears. HttpClient, the headers, Uri and the other types keep the builder's default shape. Only
// declarations; ListingReferenceBuilder checks each member against System.Net.Http.txt.
using System;
using System.IO;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace System.Net
{
    public delegate void HttpContinueDelegate(int StatusCode, WebHeaderCollection httpHeaders);

    public enum HttpStatusCode
    {
        Continue = 100,
        SwitchingProtocols = 101,
        OK = 200,
        Created = 201,
        Accepted = 202,
        NonAuthoritativeInformation = 203,
        NoContent = 204,
        ResetContent = 205,
        PartialContent = 206,
        MultipleChoices = 300,
        Ambiguous = 300,
        MovedPermanently = 301,
        Moved = 301,
        Found = 302,
        Redirect = 302,
        SeeOther = 303,
        RedirectMethod = 303,
        NotModified = 304,
        UseProxy = 305,
        Unused = 306,
        TemporaryRedirect = 307,
        RedirectKeepVerb = 307,
        BadRequest = 400,
        Unauthorized = 401,
        PaymentRequired = 402,
        Forbidden = 403,
        NotFound = 404,
        MethodNotAllowed = 405,
        NotAcceptable = 406,
        ProxyAuthenticationRequired = 407,
        RequestTimeout = 408,
        Conflict = 409,
        Gone = 410,
        LengthRequired = 411,
        PreconditionFailed = 412,
        RequestEntityTooLarge = 413,
        RequestUriTooLong = 414,
        UnsupportedMediaType = 415,
        RequestedRangeNotSatisfiable = 416,
        ExpectationFailed = 417,
        InternalServerError = 500,
        NotImplemented = 501,
        BadGateway = 502,
        ServiceUnavailable = 503,
        GatewayTimeout = 504,
        HttpVersionNotSupported = 505,
    }

    public interface IWebProxy
    {
        Uri GetProxy(Uri destination);
        bool IsBypassed(Uri host);
    }

    public interface IWebRequestCreate
    {
        WebRequest Create(Uri uri);
    }

    public enum WebExceptionStatus
    {
        Success = 0,
        NameResolutionFailure = 1,
        ConnectFailure = 2,
        ReceiveFailure = 3,
        SendFailure = 4,
        PipelineFailure = 5,
        RequestCanceled = 6,
        ProtocolError = 7,
        ConnectionClosed = 8,
        TrustFailure = 9,
        SecureChannelFailure = 10,
        ServerProtocolViolation = 11,
        KeepAliveFailure = 12,
        Pending = 13,
        Timeout = 14,
        ProxyNameResolutionFailure = 15,
    }

    public class WebException : InvalidOperationException
    {
        public WebException();
        public WebException(string message);
        public WebException(string message, Exception innerException);
        public WebException(string message, WebExceptionStatus status);
        public WebException(string message, Exception inner, WebExceptionStatus status, WebResponse response);
        public WebExceptionStatus Status { get; }
        public WebResponse Response { get; }
    }

    public abstract class WebRequest : MarshalByRefObject, IDisposable
    {
        protected WebRequest();
        public static void Initialize();
        ~WebRequest();
        public void Dispose();
        protected virtual void Dispose(bool disposing);
        public virtual string Method { get; set; }
        public virtual Uri RequestUri { get; }
        public virtual string ConnectionGroupName { get; set; }
        public virtual WebHeaderCollection Headers { get; set; }
        public virtual long ContentLength { get; set; }
        public virtual string ContentType { get; set; }
        public virtual int Timeout { get; set; }
        public static IWebProxy DefaultWebProxy { get; set; }
        public virtual IWebProxy Proxy { get; set; }
        public virtual Stream GetRequestStream();
        public virtual WebResponse GetResponse();
        public static WebRequest Create(string requestUriString);
        public static WebRequest Create(Uri requestUri);
        public static bool RegisterPrefix(string prefix, IWebRequestCreate creator);
    }

    public abstract class WebResponse : MarshalByRefObject, IDisposable
    {
        protected WebResponse();
        public virtual long ContentLength { get; set; }
        public virtual string ContentType { get; set; }
        public virtual Stream GetResponseStream();
        public virtual Uri ResponseUri { get; }
        public virtual WebHeaderCollection Headers { get; }
        ~WebResponse();
        public virtual void Close();
        public void Dispose();
        protected virtual void Dispose(bool disposing);
    }

    public class HttpWebRequest : WebRequest
    {
        internal HttpWebRequest(Uri Url);
        protected override void Dispose(bool disposing);
        public override int Timeout { get; set; }
        public NetworkCredential Credentials { get; set; }
        public X509Certificate HttpsAuthentCert { get; set; }
        public SslVerification SslVerification { get; set; }
        public SslProtocols SslProtocols { get; set; }
        public int ReadWriteTimeout { get; set; }
        public override Uri RequestUri { get; }
        public Uri Address { get; }
        public bool AllowWriteStreamBuffering { get; set; }
        public override long ContentLength { get; set; }
        public HttpContinueDelegate ContinueDelegate { get; set; }
        public bool AllowAutoRedirect { get; }
        public int MaximumAutomaticRedirections { get; }
        public override string Method { get; set; }
        public bool KeepAlive { get; set; }
        public int MaximumResponseHeadersLength { get; set; }
        public static int DefaultMaximumResponseHeadersLength { get; set; }
        public override WebHeaderCollection Headers { get; set; }
        public override IWebProxy Proxy { get; set; }
        public bool SendChunked { get; set; }
        public Version ProtocolVersion { get; set; }
        public override string ContentType { get; set; }
        public string TransferEncoding { get; set; }
        public string Accept { get; set; }
        public string Referer { get; set; }
        public string UserAgent { get; set; }
        public string Expect { get; set; }
        public DateTime IfModifiedSince { get; }
        public void Reset();
        public bool HaveResponse { get; }
        public void AddRange(int from, int to);
        public void AddRange(int range);
        public void AddRange(string rangeSpecifier, int from, int to);
        public void AddRange(string rangeSpecifier, int range);
        public override WebResponse GetResponse();
        public override Stream GetRequestStream();
    }

    public class HttpWebResponse : WebResponse
    {
        internal HttpWebResponse();
        public override WebHeaderCollection Headers { get; }
        public override long ContentLength { get; }
        public string ContentEncoding { get; }
        public override string ContentType { get; }
        public string Server { get; }
        public DateTime LastModified { get; }
        public HttpStatusCode StatusCode { get; }
        public string StatusDescription { get; }
        public Version ProtocolVersion { get; }
        public override Stream GetResponseStream();
        public string GetResponseHeader(string headerName);
        public override Uri ResponseUri { get; }
        public string Method { get; }
        protected override void Dispose(bool disposing);
        public override void Close();
    }
}
