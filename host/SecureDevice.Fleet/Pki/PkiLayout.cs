using System.IO;
using SecureDevice.Fleet.Files;

namespace SecureDevice.Fleet.Pki;

/// <summary>File names in a PKI folder created by <c>securedevice pki init</c> (see certs/README.md).</summary>
public sealed class PkiLayout
{
    public PkiLayout(string folder) => Folder = Path.GetFullPath(folder);

    public string Folder { get; }

    public string RootCertificate => Path.Combine(Folder, "root-ca.pem");

    public string RootKey => Path.Combine(Folder, "root-ca.key.pem");

    public string DeviceCaCertificate => Path.Combine(Folder, "device-ca.pem");

    public string DeviceCaKey => Path.Combine(Folder, "device-ca.key.pem");

    public string BrokerCertificate => Path.Combine(Folder, "broker.pem");

    public string BrokerKey => Path.Combine(Folder, "broker.key.pem");

    public string ServiceCertificate => Path.Combine(Folder, "service.pem");

    public string ServiceKey => Path.Combine(Folder, "service.key.pem");

    /// <summary>
    /// The service's command identity (CN commands.service): publishes throttle commands on a connection of its own,
    /// beside the service's ingest connection (docs/service.md, "Command connection").
    /// </summary>
    public string CommandCertificate => Path.Combine(Folder, Broker.BrokerRights.CommandUser + ".pem");

    public string CommandKey => Path.Combine(Folder, Broker.BrokerRights.CommandUser + ".key.pem");

    /// <summary>The operator identity: sends commands and update offers (writes devices/+/down/#), a connection of its own.</summary>
    public string OperatorCertificate => Path.Combine(Folder, "operator.pem");

    public string OperatorKey => Path.Combine(Folder, "operator.key.pem");

    /// <summary>
    /// The broker administrator (CN broker-admin): sends dynamic-security commands (quarantine, device registration) and
    /// holds no device topic; a connection of its own (docs/response.md).
    /// </summary>
    public string AdminCertificate => Path.Combine(Folder, "broker-admin.pem");

    public string AdminKey => Path.Combine(Folder, "broker-admin.key.pem");

    public string Crl => Path.Combine(Folder, "crl.pem");

    /// <summary>root-ca.pem followed by device-ca.pem: what the broker trusts for client certificates.</summary>
    public string ClientCaBundle => Path.Combine(Folder, "client-ca-bundle.pem");

    public string Inventory => Path.Combine(Folder, "inventory.json");

    public string LockFile => Path.Combine(Folder, ".lock");

    /// <summary>Fails unless this is a folder made by 'pki init' (it has an inventory); says which is missing.</summary>
    /// <exception cref="FleetException">The folder or its inventory is missing (<see cref="FleetError.NotFound"/>).</exception>
    public void RequireExisting()
    {
        FileKind folder = SafeFileReader.KindOf(Folder, followLinks: true);
        if (folder != FileKind.Directory)
        {
            throw new FleetException(FleetError.NotFound, "PKI folder not found: " + Folder + (folder == FileKind.Missing ? " (create one with 'securedevice pki init')" : " is not a folder"));
        }

        if (SafeFileReader.KindOf(Inventory, followLinks: true) == FileKind.Missing)
        {
            throw new FleetException(FleetError.NotFound, "inventory not found: " + Inventory + " (is this a folder made by 'securedevice pki init'?)");
        }
    }

    /// <summary>Every file <c>pki init</c> writes.</summary>
    public string[] InitFiles => new[]
    {
        RootCertificate, RootKey, DeviceCaCertificate, DeviceCaKey, BrokerCertificate, BrokerKey, ServiceCertificate, ServiceKey, CommandCertificate, CommandKey, OperatorCertificate, OperatorKey, AdminCertificate, AdminKey, Crl, ClientCaBundle, Inventory,
    };
}
