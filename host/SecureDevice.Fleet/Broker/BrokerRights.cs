using System;
using System.Collections.Generic;

namespace SecureDevice.Fleet.Broker;

/// <summary>The four kinds of access mosquitto's dynamic-security plugin checks (its "acltype" names).</summary>
public enum AclType
{
    /// <summary>A client publishing to the broker ("publishClientSend").</summary>
    PublishClientSend,

    /// <summary>The broker delivering a message to a client ("publishClientReceive"): what a client may read.</summary>
    PublishClientReceive,

    /// <summary>A SUBSCRIBE filter, matched as a pattern ("subscribePattern").</summary>
    SubscribePattern,
}

/// <summary>One ACL of a dynamic-security role: allow or deny <see cref="Type"/> on the topic filter <see cref="Topic"/>.</summary>
public sealed record BrokerAcl(AclType Type, string Topic, bool Allow = true)
{
    /// <summary>The plugin's name for <see cref="Type"/>.</summary>
    public string TypeName => Type switch
    {
        AclType.PublishClientSend => "publishClientSend",
        AclType.PublishClientReceive => "publishClientReceive",
        _ => "subscribePattern",
    };
}

/// <summary>
/// The rights table of certs/README.md as dynamic-security roles: the one source of truth for the rendered
/// dynamic-security.json (<see cref="DynamicSecurityFile"/>) and for the roles <see cref="DynamicSecurityAdmin"/> creates
/// at run time.
/// <para>
/// mosquitto 2.0's plugin has no %u/%c substitution in ACL topics (2.1 adds it), so each device has a role of its own,
/// <c>device:ID</c>, naming its topics. Defaults (<see cref="DefaultAccess"/>) mirror the ACL file the plugin replaced: a
/// SUBSCRIBE is accepted and what a client may read is decided per message at delivery; publishing is denied unless a role
/// allows it. A client the plugin does not know gets nothing (the plugin defers and mosquitto denies): an identity has rights
/// only once it is registered.
/// </para>
/// </summary>
public static class BrokerRights
{
    /// <summary>The telemetry back end (certificate CN).</summary>
    public const string ServiceUser = "service";

    /// <summary>The operator: commands and update offers.</summary>
    public const string OperatorUser = "operator";

    /// <summary>The dynamic-security administrator: the control topic and nothing else (docs/response.md).</summary>
    public const string AdminUser = "broker-admin";

    /// <summary>The role a quarantined device holds instead of its own: explicit denials of every publish and delivery.</summary>
    public const string QuarantineRole = "quarantined";

    /// <summary>The plugin's control topic (commands) and the topic its answers are published on.</summary>
    public const string ControlTopic = "$CONTROL/dynamic-security/v1";

    /// <summary>Where the plugin publishes its answers.</summary>
    public const string ControlResponseTopic = ControlTopic + "/response";

    /// <summary>Prefix of each device's own role.</summary>
    public const string DeviceRolePrefix = "device:";

    /// <summary>
    /// The role of every service instance's command identity (<see cref="CommandUser"/>): publishing throttle commands
    /// and nothing else (docs/service.md, "Command connection").
    /// </summary>
    public const string CommandRole = "commands";

    /// <summary>
    /// Prefix of a service instance's command identity: <c>commands.INSTANCE</c>. A dot never appears in a device id, and
    /// a name starting with <c>commands.</c> is never a service instance (<c>service</c> or <c>service.N</c>), so the
    /// command identity can pose as neither.
    /// </summary>
    public const string CommandPrefix = CommandRole + ".";

    /// <summary>The command identity of the instance <see cref="ServiceUser"/> (issued by <c>pki init</c> beside it).</summary>
    public const string CommandUser = CommandPrefix + ServiceUser;

    /// <summary>The identities that are not devices: never device ids (<see cref="Devices.Provisioning.ReservedIds"/>).</summary>
    public static readonly string[] FixedUsers = { ServiceUser, OperatorUser, AdminUser, CommandUser };

    /// <summary>The command identity of the service instance <paramref name="instance"/> (<c>commands.service</c>, <c>commands.service.2</c>).</summary>
    public static string CommandIdentity(string instance) => CommandPrefix + instance;

    /// <summary>The role a fixed identity holds: its own name's, except the command identity's, which holds <see cref="CommandRole"/>.</summary>
    public static string FixedRoleOf(string user) => user == CommandUser ? CommandRole : user;

    /// <summary>The four leaves below devices/ID/up/ that a device may publish (exact topics: at most four retained messages).</summary>
    public static readonly string[] DeviceUpLeaves = { "status", "health", "events", "update" };

    /// <summary>defaultACLAccess: publishing denied, delivery denied, SUBSCRIBE and UNSUBSCRIBE accepted (decided at delivery).</summary>
    public static IReadOnlyList<(string Name, bool Allow)> DefaultAccess { get; } = new[]
    {
        ("publishClientSend", false),
        ("publishClientReceive", false),
        ("subscribe", true),
        ("unsubscribe", true),
    };

    /// <summary>The role name of device <paramref name="deviceId"/>.</summary>
    public static string DeviceRole(string deviceId) => DeviceRolePrefix + deviceId;

    /// <summary>A device publishes only its own four up topics and reads only its own down topics.</summary>
    public static IReadOnlyList<BrokerAcl> DeviceAcls(string deviceId)
    {
        string own = BrokerConfig.TopicPrefix + "/" + deviceId;
        var acls = new List<BrokerAcl>();
        foreach (string leaf in DeviceUpLeaves)
        {
            acls.Add(new BrokerAcl(AclType.PublishClientSend, own + "/up/" + leaf));
        }

        acls.Add(new BrokerAcl(AclType.PublishClientReceive, own + "/down/#"));
        return acls;
    }

    /// <summary>
    /// Where the refusal counter plugin (host/broker/refusal-counter) reports each client's refused publishes:
    /// <c>$SYS/broker/securedevice/refused/CLIENT</c>. No client can write under <c>$SYS</c> (mosquitto refuses it
    /// before any plugin is asked), so a device cannot forge these reports.
    /// </summary>
    public const string RefusalTopicPrefix = "$SYS/broker/securedevice/refused/";

    /// <summary>
    /// The service's ingest connection reads every device's up topics and the refusal counter's reports, and publishes
    /// nothing: its commands leave on the command identity's own connection (<see cref="CommandAcls"/>), which ingest's
    /// delivery gate never holds up. The refusal reports need their own grant: a filter starting with a level other than
    /// <c>$</c> never matches a <c>$SYS</c> topic.
    /// </summary>
    public static IReadOnlyList<BrokerAcl> ServiceAcls { get; } = new[]
    {
        new BrokerAcl(AclType.PublishClientReceive, BrokerConfig.TopicPrefix + "/+/up/#"),
        new BrokerAcl(AclType.PublishClientReceive, RefusalTopicPrefix + "+"),
    };

    /// <summary>
    /// A service instance's command identity writes only throttle commands: the automatic responder cannot offer updates
    /// or send any other command (that is the operator's right), so a compromised service host cannot push an offer to
    /// the fleet. It reads nothing: every SUBSCRIBE is refused (explicitly, so a subscription fails at once instead of
    /// being granted and never delivered) and every delivery denied.
    /// </summary>
    public static IReadOnlyList<BrokerAcl> CommandAcls { get; } = new[]
    {
        new BrokerAcl(AclType.PublishClientSend, BrokerConfig.TopicPrefix + "/+/down/" + SecureDevice.Core.Connectivity.Topics.ThrottleLeaf),
        new BrokerAcl(AclType.SubscribePattern, "#", Allow: false),
        new BrokerAcl(AclType.PublishClientReceive, "#", Allow: false),
    };

    /// <summary>The operator reads every device's up topics and writes every device's down topics (commands, offers).</summary>
    public static IReadOnlyList<BrokerAcl> OperatorAcls { get; } = new[]
    {
        new BrokerAcl(AclType.PublishClientReceive, BrokerConfig.TopicPrefix + "/+/up/#"),
        new BrokerAcl(AclType.PublishClientSend, BrokerConfig.TopicPrefix + "/+/down/#"),
    };

    /// <summary>
    /// The administrator sends plugin commands and reads the answers: no device topic at all. $CONTROL topics never fall
    /// through to the defaults, so the SUBSCRIBE is granted explicitly.
    /// </summary>
    public static IReadOnlyList<BrokerAcl> AdminAcls { get; } = new[]
    {
        new BrokerAcl(AclType.PublishClientSend, ControlTopic),
        new BrokerAcl(AclType.SubscribePattern, ControlResponseTopic),
        new BrokerAcl(AclType.PublishClientReceive, ControlResponseTopic),
    };

    /// <summary>
    /// Quarantine: every publish and every delivery denied, explicitly (a deny wins even if a grant were added beside it).
    /// The SUBSCRIBE itself still falls through to the default, so the firmware, whose connection fails when its
    /// subscription is refused, stays quietly connected instead of reconnecting in a loop; it receives nothing.
    /// </summary>
    public static IReadOnlyList<BrokerAcl> QuarantineAcls { get; } = new[]
    {
        new BrokerAcl(AclType.PublishClientSend, "#", Allow: false),
        new BrokerAcl(AclType.PublishClientReceive, "#", Allow: false),
    };

    /// <summary>The fixed roles: name and ACLs (each fixed identity holds the role <see cref="FixedRoleOf"/> names).</summary>
    public static IReadOnlyList<(string Role, IReadOnlyList<BrokerAcl> Acls)> FixedRoles { get; } = new (string, IReadOnlyList<BrokerAcl>)[]
    {
        (ServiceUser, ServiceAcls),
        (CommandRole, CommandAcls),
        (OperatorUser, OperatorAcls),
        (AdminUser, AdminAcls),
        (QuarantineRole, QuarantineAcls),
    };

    /// <summary>
    /// Prefix of a further fleet-service instance's identity (<c>service.N</c>): a dot never appears in a device id, so
    /// no device can hold such a name. Each holds the <see cref="ServiceUser"/> role (<see cref="DynamicSecurityAdmin.AddServiceInstanceAsync"/>).
    /// </summary>
    public const string ServiceInstancePrefix = ServiceUser + ".";

    /// <summary>True for a user name that is a device (not one of <see cref="FixedUsers"/>, not a service instance nor its command identity).</summary>
    public static bool IsDeviceUser(string user) => !Array.Exists(FixedUsers, f => string.Equals(f, user, StringComparison.OrdinalIgnoreCase))
        && !user.StartsWith(ServiceInstancePrefix, StringComparison.OrdinalIgnoreCase)
        && !user.StartsWith(CommandPrefix, StringComparison.OrdinalIgnoreCase);
}
