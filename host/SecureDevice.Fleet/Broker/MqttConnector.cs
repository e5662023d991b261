using System;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Formatter;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Broker;

/// <summary>
/// One MQTT 5 connection over mutual TLS with a fleet identity: the broker's certificate must chain to the fleet root
/// (and nothing else) and carry the endpoint's host name. Connection failures become a <see cref="BrokerAccessStatus"/>
/// with a one-line detail, never an exception.
/// </summary>
internal sealed class MqttConnector : IDisposable
{
    private readonly BrokerEndpoint _endpoint;
    private readonly BrokerIdentity _identity;
    private readonly X509Certificate2 _clientCertificate;
    private readonly X509Certificate2 _root;

    /// <exception cref="FleetException">The identity's certificate or key, or the root, cannot be loaded.</exception>
    public MqttConnector(BrokerEndpoint endpoint, BrokerIdentity identity)
    {
        _endpoint = endpoint;
        _identity = identity;
        (X509Certificate2 leaf, X509Certificate2Collection rest) = PemIdentity.Load(identity.CertificatePath, identity.KeyPath);
        foreach (X509Certificate2 extra in rest)
        {
            extra.Dispose();
        }

        _clientCertificate = leaf;
        // The broker is trusted only through the fleet root (never the system store), and only under the name asked for.
        _root = CertificateAuthority.LoadCertificate(endpoint.RootCertificatePath);
    }

    public BrokerEndpoint Endpoint => _endpoint;

    /// <summary>Connects <paramref name="client"/> (clean start: no state is kept between exchanges).</summary>
    public async Task<(BrokerAccessStatus Status, string Detail)> ConnectAsync(IMqttClient client, CancellationToken cancellation)
    {
        MqttClientOptions options = new MqttClientOptionsBuilder()
            .WithTcpServer(_endpoint.Host, _endpoint.Port)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithClientId(_identity.User)
            .WithCleanStart(true)
            .WithTimeout(_endpoint.Timeout)
            .WithKeepAlivePeriod(TimeSpan.FromSeconds(60))
            .WithTlsOptions(tls => tls
                .UseTls()
                .WithTargetHost(_endpoint.Host)
                .WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates(new[] { _clientCertificate })
                .WithCertificateValidationHandler(e => AnchoredTrust.Accepts(_root, e.Certificate, e.SslPolicyErrors)))
            .Build();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        deadline.CancelAfter(_endpoint.Timeout);
        try
        {
            MqttClientConnectResult result = await client.ConnectAsync(options, deadline.Token).ConfigureAwait(false);
            if (result.ResultCode == MqttClientConnectResultCode.Success)
            {
                return (BrokerAccessStatus.Done, "connected");
            }

            BrokerAccessStatus status = result.ResultCode is MqttClientConnectResultCode.NotAuthorized or MqttClientConnectResultCode.BadUserNameOrPassword or MqttClientConnectResultCode.Banned
                ? BrokerAccessStatus.NotAuthorized
                : BrokerAccessStatus.Unreachable;
            return (status, "the broker refused " + _identity.User + ": " + result.ResultCode);
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return (BrokerAccessStatus.Unreachable, "no CONNACK from " + Where + " within " + _endpoint.Timeout.TotalSeconds + " s");
        }
        catch (Exception error) when (error is MqttCommunicationException or SocketException or AuthenticationException or System.IO.IOException or InvalidOperationException)
        {
            return (BrokerAccessStatus.Unreachable, "cannot connect to " + Where + " as " + _identity.User + ": " + FirstLine(error.GetBaseException().Message));
        }
    }

    public string Where => _endpoint.Host + ":" + _endpoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);

    public void Dispose()
    {
        _clientCertificate.Dispose();
        _root.Dispose();
    }

    internal static string FirstLine(string text)
    {
        int end = text.IndexOfAny(new[] { '\r', '\n' });
        return end < 0 ? text : text[..end];
    }
}
