using System;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Broker;

/// <summary>Where the broker is and how its certificate is checked: the fleet's root CA, the host name it must carry.</summary>
public sealed class BrokerEndpoint
{
    /// <param name="host">DNS name or address the broker's certificate names (its SANs from 'pki init').</param>
    /// <param name="port">TLS port.</param>
    /// <param name="rootCertificatePath">The fleet root (pki/root-ca.pem): the only anchor trusted for the broker.</param>
    public BrokerEndpoint(string host, int port, string rootCertificatePath)
    {
        if (string.IsNullOrWhiteSpace(host) || port < 1 || port > 65535)
        {
            throw new FleetException(FleetError.InvalidArgument, "a broker endpoint needs a host and a port 1..65535");
        }

        Host = host;
        Port = port;
        RootCertificatePath = rootCertificatePath;
    }

    public string Host { get; }

    public int Port { get; }

    public string RootCertificatePath { get; }

    /// <summary>Bound on connecting (TCP, TLS, CONNACK) and on each request/answer exchange.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The endpoint of a PKI folder's broker at <paramref name="host"/>:<paramref name="port"/>.</summary>
    public static BrokerEndpoint For(PkiLayout pki, string host, int port) => new(host, port, pki.RootCertificate);
}

/// <summary>An MQTT client identity: a client certificate (its CN is the broker user and client id) and its key file.</summary>
public sealed record BrokerIdentity(string User, string CertificatePath, string KeyPath)
{
    /// <summary>The broker-admin identity of a PKI folder.</summary>
    public static BrokerIdentity Admin(PkiLayout pki) => new(BrokerRights.AdminUser, pki.AdminCertificate, pki.AdminKey);

    /// <summary>The service identity of a PKI folder.</summary>
    public static BrokerIdentity Service(PkiLayout pki) => new(BrokerRights.ServiceUser, pki.ServiceCertificate, pki.ServiceKey);

    /// <summary>The service's command identity of a PKI folder (throttle commands only).</summary>
    public static BrokerIdentity Commands(PkiLayout pki) => new(BrokerRights.CommandUser, pki.CommandCertificate, pki.CommandKey);

    /// <summary>The operator identity of a PKI folder.</summary>
    public static BrokerIdentity Operator(PkiLayout pki) => new(BrokerRights.OperatorUser, pki.OperatorCertificate, pki.OperatorKey);
}
