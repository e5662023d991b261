using System.Collections.Generic;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SecureDevice.Fleet.Broker;

/// <summary>
/// Renders the dynamic-security plugin's configuration file: the default access, the fixed identities (service, its
/// command identity commands.service, operator, broker-admin) with their roles, the quarantine role, and one client and role per active device
/// (<see cref="BrokerRights"/>). The broker owns the file once it runs: the plugin rewrites it after every command.
/// </summary>
public static class DynamicSecurityFile
{
    /// <summary>The file name beside mosquitto.conf.</summary>
    public const string FileName = "dynamic-security.json";

    /// <summary>The document for the devices <paramref name="deviceIds"/> (ids as the inventory has them).</summary>
    public static byte[] Render(IEnumerable<string> deviceIds)
    {
        var access = new JsonObject();
        foreach ((string name, bool allow) in BrokerRights.DefaultAccess)
        {
            access[name] = allow;
        }

        var clients = new JsonArray();
        var roles = new JsonArray();
        foreach (string user in BrokerRights.FixedUsers)
        {
            clients.Add(DynamicSecurityJson.Client(user, BrokerRights.FixedRoleOf(user)));
        }

        foreach ((string role, IReadOnlyList<BrokerAcl> acls) in BrokerRights.FixedRoles)
        {
            roles.Add(DynamicSecurityJson.Role(role, acls));
        }

        foreach (string id in deviceIds)
        {
            string role = BrokerRights.DeviceRole(id);
            clients.Add(DynamicSecurityJson.Client(id, role));
            roles.Add(DynamicSecurityJson.Role(role, BrokerRights.DeviceAcls(id)));
        }

        var document = new JsonObject
        {
            ["defaultACLAccess"] = access,
            ["clients"] = clients,
            ["groups"] = new JsonArray(),
            ["roles"] = roles,
        };
        return JsonSerializer.SerializeToUtf8Bytes(document, new JsonSerializerOptions { WriteIndented = true });
    }
}
