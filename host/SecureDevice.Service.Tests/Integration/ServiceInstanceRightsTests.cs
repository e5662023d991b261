using System;
using System.Linq;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using SecureDevice.Fleet.Broker;
using SecureDevice.Fleet.Pki;
using SecureDevice.Service.Hosting;
using SecureDevice.Service.Tests.EndToEnd;
using Xunit;

namespace SecureDevice.Service.Tests.Integration;

/// <summary>
/// A service instance's dynamic-security clients: <c>service.N</c> with the service role and its command identity
/// <c>commands.service.N</c> with the commands role, created idempotently, kept by a broker sync; and what the command
/// role grants at the real broker: throttle commands, nothing else.
/// </summary>
public sealed class ServiceInstanceRightsTests : IDisposable
{
    private readonly ServiceLab _lab = new();

    public void Dispose() => _lab.Dispose();

    [Fact]
    public async Task AddServiceInstance_CreatesIt_Idempotent_SyncLeavesIt_RefusesOtherNames()
    {
        _lab.Enroll("dev", 1);
        using DynamicSecurityAdmin admin = _lab.Lab.Admin();
        Assert.True((await admin.AddServiceInstanceAsync("service.2")).Succeeded);
        Assert.True((await admin.AddServiceInstanceAsync("service.2")).Succeeded);
        Assert.Equal(BrokerAccessStatus.Rejected, (await admin.AddServiceInstanceAsync("dev-001")).Status);
        Assert.Equal(BrokerAccessStatus.Rejected, (await admin.AddServiceInstanceAsync("service.")).Status);
        Assert.Equal(BrokerAccessStatus.Rejected, (await admin.AddServiceInstanceAsync("commands.service")).Status);
        BrokerSyncResult synced = await admin.SyncAsync(Inventory.Load(_lab.Lab.Pki.Inventory));
        Assert.Equal(BrokerAccessStatus.Done, synced.Status);
        Assert.DoesNotContain("service.2", synced.Removed);
        Assert.DoesNotContain("commands.service.2", synced.Removed);
        Assert.DoesNotContain("commands.service", synced.Removed);
        Assert.False(BrokerRights.IsDeviceUser("service.2"));
        Assert.False(BrokerRights.IsDeviceUser("commands.service.2"));
        Assert.True(BrokerRights.IsDeviceUser("dev-001"));
    }

    // The further instance's command identity, issued and granted as 'service identity service.2 --broker' does, may
    // publish a throttle at once (the role exists and its client holds it).
    [Fact]
    public async Task AddServiceInstance_CommandIdentityOfAFurtherInstance_MayPublishAThrottle()
    {
        _lab.Enroll("dev", 1);
        ServiceIdentity.Issue(_lab.Lab.Pki, "service.2", DateTimeOffset.UtcNow);
        await _lab.Lab.GrantServiceRightsAsync("service.2");
        using IMqttClient client = await ConnectAsync("commands.service.2");
        MqttClientPublishResult published = await client.PublishAsync(Message("devices/dev-001/down/throttle"));
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, published.ReasonCode);
    }

    // Least privilege (docs/broker.md): the command identity publishes throttle commands and reads nothing. Its SUBSCRIBE
    // to the reports is refused outright, and its publishes to a report topic or another down topic are refused (PUBACK
    // NotAuthorized), so a leaked command key can neither read the fleet nor forge a device's report or an offer.
    [Fact]
    public async Task CommandIdentity_CannotSubscribeToReports_NorPublishReportsOrOffers()
    {
        _lab.Enroll("dev", 1);
        using IMqttClient client = await ConnectAsync(BrokerRights.CommandUser);
        MqttClientSubscribeResult subscribed = await client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter("devices/+/up/#", MqttQualityOfServiceLevel.AtLeastOnce).Build());
        Assert.Equal(MqttClientSubscribeResultCode.NotAuthorized, subscribed.Items.Single().ResultCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await client.PublishAsync(Message("devices/dev-001/up/health"))).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await client.PublishAsync(Message("devices/dev-001/down/update"))).ReasonCode);
        Assert.Equal(MqttClientPublishReasonCode.NoMatchingSubscribers, (await client.PublishAsync(Message("devices/dev-001/down/throttle"))).ReasonCode);
    }

    // The ingest identity no longer publishes anything: its role lost the throttle right the command role now holds.
    [Fact]
    public async Task ServiceIdentity_CannotPublishAThrottle()
    {
        _lab.Enroll("dev", 1);
        using IMqttClient client = await ConnectAsync(BrokerRights.ServiceUser);
        Assert.Equal(MqttClientPublishReasonCode.NotAuthorized, (await client.PublishAsync(Message("devices/dev-001/down/throttle"))).ReasonCode);
    }

    private static MqttApplicationMessage Message(string topic) => new MqttApplicationMessageBuilder()
        .WithTopic(topic).WithPayload(Encoding.ASCII.GetBytes("{}")).WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce).Build();

    /// <summary>An MQTT 5 connection as the PKI's identity NAME (NAME.pem, NAME.key.pem).</summary>
    private async Task<IMqttClient> ConnectAsync(string name)
    {
        using IssuedCertificate identity = CertificateAuthority.Load(System.IO.Path.Combine(_lab.Lab.Pki.Folder, name + ".pem"), System.IO.Path.Combine(_lab.Lab.Pki.Folder, name + ".key.pem"));
        X509Certificate2 certificate = identity.Certificate.CopyWithPrivateKey(identity.Key);
        IMqttClient client = new MqttClientFactory().CreateMqttClient();
        MqttClientConnectResult connected = await client.ConnectAsync(new MqttClientOptionsBuilder()
            .WithTcpServer("localhost", _lab.Lab.Port)
            .WithClientId(name)
            .WithProtocolVersion(MqttProtocolVersion.V500)
            .WithCleanStart(true)
            .WithTlsOptions(tls => tls.UseTls().WithTargetHost("localhost").WithSslProtocols(SslProtocols.Tls12 | SslProtocols.Tls13)
                .WithClientCertificates(new X509Certificate2Collection(certificate)).WithTrustChain(new X509Certificate2Collection(_lab.Lab.Root))
                .WithRevocationMode(X509RevocationMode.NoCheck))
            .Build());
        Assert.Equal(MqttClientConnectResultCode.Success, connected.ResultCode);
        return client;
    }
}
