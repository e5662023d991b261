using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace SecureDevice.Fleet.Broker;

/// <summary>
/// JSON shapes of mosquitto 2.0's dynamic-security plugin: roles and clients as its configuration file stores them and
/// as its control commands take them. One place, so the rendered file and the run-time commands cannot disagree.
/// </summary>
internal static class DynamicSecurityJson
{
    /// <summary>A role with its ACLs (priority 0: a role's ACLs never overlap in this rights table).</summary>
    public static JsonObject Role(string name, IReadOnlyList<BrokerAcl> acls)
    {
        var list = new JsonArray();
        foreach (BrokerAcl acl in acls)
        {
            list.Add(new JsonObject { ["acltype"] = acl.TypeName, ["topic"] = acl.Topic, ["priority"] = 0, ["allow"] = acl.Allow });
        }

        return new JsonObject { ["rolename"] = name, ["acls"] = list };
    }

    /// <summary>A client (a certificate CN: no password, so it can never log in with one) holding <paramref name="roles"/>.</summary>
    public static JsonObject Client(string user, params string[] roles)
    {
        var client = new JsonObject { ["username"] = user };
        client["roles"] = RoleList(roles);
        return client;
    }

    /// <summary>The "roles" member of a client: names in the order given.</summary>
    public static JsonArray RoleList(params string[] roles)
    {
        var list = new JsonArray();
        foreach (string role in roles)
        {
            list.Add(new JsonObject { ["rolename"] = role });
        }

        return list;
    }

    /// <summary>A control command: <paramref name="body"/> with "command" set.</summary>
    public static JsonObject Command(string name, JsonObject body)
    {
        var command = new JsonObject { ["command"] = name };
        foreach (KeyValuePair<string, JsonNode?> member in body)
        {
            command[member.Key] = member.Value?.DeepClone();
        }

        return command;
    }
}
