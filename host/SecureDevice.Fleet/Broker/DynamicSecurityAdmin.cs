using System;
using System.Buffers;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading;
using System.Threading.Tasks;
using MQTTnet;
using MQTTnet.Exceptions;
using MQTTnet.Protocol;
using SecureDevice.Fleet.Pki;

namespace SecureDevice.Fleet.Broker;

/// <summary>
/// Administers mosquitto's dynamic-security plugin over its control topic (<c>$CONTROL/dynamic-security/v1</c>) with the
/// broker-admin identity. Each exchange is one short connection: connect, subscribe to the answers, publish the commands
/// (each with its own correlation id, in messages under the broker's 2048-byte packet limit), wait for every answer,
/// disconnect. The broker forces the client id to the certificate's CN, so a long-lived admin connection would be thrown
/// off by any other admin connection; short ones only collide when two run at the same moment (then one fails and is
/// repeated: every operation is idempotent). Exchanges of one instance are serialised.
/// </summary>
public sealed class DynamicSecurityAdmin : IBrokerAccessControl, IDisposable
{
    /// <summary>Largest command message sent: below the reference broker's max_packet_size (2048) with room for the topic and headers.</summary>
    public const int MaxCommandBytes = 1800;

    private const int ListPage = 500;
    private readonly MqttConnector _connector;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <exception cref="FleetException">The identity's certificate or key, or the root, cannot be loaded.</exception>
    public DynamicSecurityAdmin(BrokerEndpoint endpoint, BrokerIdentity admin)
    {
        _connector = new MqttConnector(endpoint, admin);
    }

    /// <summary>An administrator with the PKI folder's broker-admin identity.</summary>
    public static DynamicSecurityAdmin For(PkiLayout pki, string host, int port) => new(BrokerEndpoint.For(pki, host, port), BrokerIdentity.Admin(pki));

    public async Task<BrokerAccessResult> RegisterAsync(IReadOnlyCollection<string> deviceIds, CancellationToken cancellation = default)
    {
        var commands = new List<JsonObject>();
        foreach (string id in deviceIds)
        {
            commands.Add(CreateDeviceRole(id));
            commands.Add(CreateClient(id, BrokerRights.DeviceRole(id)));
        }

        Exchange exchange = await ExecuteAsync(commands, cancellation).ConfigureAwait(false);
        return exchange.Result("Role already exists", "Client already exists");
    }

    /// <summary>
    /// Gives a service instance its rights: <c>service.N</c> (its own certificate: the broker forces client id = CN) a
    /// client holding the <see cref="BrokerRights.ServiceUser"/> role, and its command identity <c>commands.service.N</c>
    /// a client holding the <see cref="BrokerRights.CommandRole"/> role, which is created if the broker lacks it (a broker
    /// configured before command identities existed). For <c>service</c> itself only the command identity and its role
    /// (the service's own client is in every rendered configuration). Idempotent: a client or role of that name that
    /// already exists is left as it is.
    /// </summary>
    public async Task<BrokerAccessResult> AddServiceInstanceAsync(string identity, CancellationToken cancellation = default)
    {
        bool further = identity.StartsWith(BrokerRights.ServiceInstancePrefix, StringComparison.Ordinal) && identity.Length > BrokerRights.ServiceInstancePrefix.Length && identity.Length <= 40;
        if (!further && identity != BrokerRights.ServiceUser)
        {
            return new BrokerAccessResult(BrokerAccessStatus.Rejected, "a service instance is named " + BrokerRights.ServiceUser + " or " + BrokerRights.ServiceInstancePrefix + "N");
        }

        var commands = new List<JsonObject>
        {
            DynamicSecurityJson.Command("createRole", DynamicSecurityJson.Role(BrokerRights.CommandRole, BrokerRights.CommandAcls)),
            CreateClient(BrokerRights.CommandIdentity(identity), BrokerRights.CommandRole),
        };
        if (further)
        {
            commands.Add(CreateClient(identity, BrokerRights.ServiceUser));
        }

        Exchange exchange = await ExecuteAsync(commands, cancellation).ConfigureAwait(false);
        return exchange.Result("Role already exists", "Client already exists");
    }

    public async Task<BrokerAccessResult> QuarantineAsync(string deviceId, CancellationToken cancellation = default)
    {
        Exchange exchange = await ExecuteAsync(new[] { ModifyRoles(deviceId, BrokerRights.QuarantineRole) }, cancellation).ConfigureAwait(false);
        if (exchange.OnlyError("Client not found"))
        {
            // Never registered: create it quarantined, so that a later registration (which skips existing clients) cannot grant it rights.
            exchange = await ExecuteAsync(new[] { CreateClient(deviceId, BrokerRights.QuarantineRole) }, cancellation).ConfigureAwait(false);
        }

        return exchange.Result();
    }

    public async Task<BrokerAccessResult> ReleaseAsync(string deviceId, CancellationToken cancellation = default)
    {
        // Modifying a client makes mosquitto kick its connection. A device that holds its own role already (the lift of a
        // throttle, not of a quarantine) is left alone: kicked while still throttled, it would wait out the throttle's
        // reconnect interval (10 min at the default 6/h) before it could receive the lift command.
        (BrokerAccessResult current, DeviceAccess access) = await GetAsync(deviceId, cancellation).ConfigureAwait(false);
        if (current.Succeeded && access == DeviceAccess.Normal)
        {
            return current;
        }

        Exchange exchange = await ExecuteAsync(new[] { CreateDeviceRole(deviceId), ModifyRoles(deviceId, BrokerRights.DeviceRole(deviceId)) }, cancellation).ConfigureAwait(false);
        if (exchange.OnlyError("Role already exists", "Client not found") && exchange.Replies.Any(r => r.Error == "Client not found"))
        {
            exchange = await ExecuteAsync(new[] { CreateClient(deviceId, BrokerRights.DeviceRole(deviceId)) }, cancellation).ConfigureAwait(false);
        }

        return exchange.Result("Role already exists");
    }

    public async Task<BrokerAccessResult> RemoveAsync(string deviceId, CancellationToken cancellation = default)
    {
        var commands = new[]
        {
            DynamicSecurityJson.Command("deleteClient", new JsonObject { ["username"] = deviceId }),
            DynamicSecurityJson.Command("deleteRole", new JsonObject { ["rolename"] = BrokerRights.DeviceRole(deviceId) }),
        };
        Exchange exchange = await ExecuteAsync(commands, cancellation).ConfigureAwait(false);
        return exchange.Result("Client not found", "Role not found");
    }

    public async Task<(BrokerAccessResult Result, DeviceAccess Access)> GetAsync(string deviceId, CancellationToken cancellation = default)
    {
        Exchange exchange = await ExecuteAsync(new[] { DynamicSecurityJson.Command("getClient", new JsonObject { ["username"] = deviceId }) }, cancellation).ConfigureAwait(false);
        BrokerAccessResult result = exchange.Result("Client not found");
        if (!result.Succeeded || exchange.Replies.Count == 0 || exchange.Replies[0].Error != null)
        {
            return (result, DeviceAccess.Unregistered);
        }

        var roles = new List<string>();
        if (exchange.Replies[0].Data?["client"]?["roles"] is JsonArray list)
        {
            foreach (JsonNode? role in list)
            {
                roles.Add(role?["rolename"]?.GetValue<string>() ?? string.Empty);
            }
        }

        DeviceAccess access = roles.Count == 1 && roles[0] == BrokerRights.DeviceRole(deviceId) ? DeviceAccess.Normal
            : roles.Count == 1 && roles[0] == BrokerRights.QuarantineRole ? DeviceAccess.Quarantined
            : DeviceAccess.Other;
        return (result, access);
    }

    public async Task<BrokerSyncResult> SyncAsync(Inventory inventory, CancellationToken cancellation = default)
    {
        var existing = new HashSet<string>(StringComparer.Ordinal);
        for (int offset = 0; ; offset += ListPage)
        {
            Exchange page = await ExecuteAsync(new[] { DynamicSecurityJson.Command("listClients", new JsonObject { ["verbose"] = false, ["count"] = ListPage, ["offset"] = offset }) }, cancellation).ConfigureAwait(false);
            BrokerAccessResult listed = page.Result();
            if (!listed.Succeeded)
            {
                return new BrokerSyncResult(listed.Status, listed.Detail, Array.Empty<string>(), Array.Empty<string>());
            }

            int count = 0;
            if (page.Replies[0].Data?["clients"] is JsonArray clients)
            {
                foreach (JsonNode? client in clients)
                {
                    // listClients gives names when not verbose; objects with "username" in later versions.
                    string? name = client is JsonValue ? client.GetValue<string>() : client?["username"]?.GetValue<string>();
                    if (name != null)
                    {
                        existing.Add(name);
                        count++;
                    }
                }
            }

            if (count < ListPage)
            {
                break;
            }
        }

        var register = new List<string>();
        var remove = new List<string>();
        foreach (InventoryEntry entry in inventory.Devices)
        {
            if (entry.Status == DeviceStatus.Active && !existing.Contains(entry.Id))
            {
                register.Add(entry.Id);
            }
        }

        foreach (string user in existing)
        {
            InventoryEntry? entry = inventory.Find(user);
            if (BrokerRights.IsDeviceUser(user) && (entry == null || entry.Status != DeviceStatus.Active))
            {
                remove.Add(user);
            }
        }

        if (register.Count > 0)
        {
            BrokerAccessResult registered = await RegisterAsync(register, cancellation).ConfigureAwait(false);
            if (!registered.Succeeded)
            {
                return new BrokerSyncResult(registered.Status, registered.Detail, Array.Empty<string>(), Array.Empty<string>());
            }
        }

        foreach (string user in remove)
        {
            BrokerAccessResult removed = await RemoveAsync(user, cancellation).ConfigureAwait(false);
            if (!removed.Succeeded)
            {
                return new BrokerSyncResult(removed.Status, removed.Detail, register, Array.Empty<string>());
            }
        }

        return new BrokerSyncResult(BrokerAccessStatus.Done, register.Count + " registered, " + remove.Count + " removed", register, remove);
    }

    public void Dispose()
    {
        _connector.Dispose();
        _gate.Dispose();
    }

    private static JsonObject CreateDeviceRole(string id)
    {
        return DynamicSecurityJson.Command("createRole", DynamicSecurityJson.Role(BrokerRights.DeviceRole(id), BrokerRights.DeviceAcls(id)));
    }

    private static JsonObject CreateClient(string user, string role)
    {
        return DynamicSecurityJson.Command("createClient", DynamicSecurityJson.Client(user, role));
    }

    private static JsonObject ModifyRoles(string user, string role)
    {
        // One command replaces the whole role list (and the plugin disconnects the client): no moment with both roles or none.
        return DynamicSecurityJson.Command("modifyClient", new JsonObject { ["username"] = user, ["roles"] = DynamicSecurityJson.RoleList(role) });
    }

    /// <summary>Sends <paramref name="commands"/> and collects one answer per command.</summary>
    private async Task<Exchange> ExecuteAsync(IReadOnlyList<JsonObject> commands, CancellationToken cancellation)
    {
        await _gate.WaitAsync(cancellation).ConfigureAwait(false);
        try
        {
            return await ExchangeAsync(commands, cancellation).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<Exchange> ExchangeAsync(IReadOnlyList<JsonObject> commands, CancellationToken cancellation)
    {
        var ids = new List<string>();
        var pending = new ConcurrentDictionary<string, DynamicSecurityReply?>(StringComparer.Ordinal);
        var prepared = new List<JsonObject>();
        foreach (JsonObject command in commands)
        {
            string id = Convert.ToHexString(RandomNumberGenerator.GetBytes(12));
            JsonObject copy = (JsonObject)command.DeepClone();
            copy["correlationData"] = id;
            prepared.Add(copy);
            ids.Add(id);
            pending[id] = null;
        }

        var complete = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        int answered = 0;
        using IMqttClient client = new MqttClientFactory().CreateMqttClient();
        client.ApplicationMessageReceivedAsync += e =>
        {
            foreach (DynamicSecurityReply reply in Parse(e.ApplicationMessage.Payload.ToArray()))
            {
                if (reply.CorrelationData != null && pending.TryGetValue(reply.CorrelationData, out DynamicSecurityReply? seen) && seen == null
                    && pending.TryUpdate(reply.CorrelationData, reply, null) && Interlocked.Increment(ref answered) == ids.Count)
                {
                    complete.TrySetResult();
                }
            }

            return Task.CompletedTask;
        };

        (BrokerAccessStatus status, string detail) = await _connector.ConnectAsync(client, cancellation).ConfigureAwait(false);
        if (status != BrokerAccessStatus.Done)
        {
            return new Exchange(status, detail, Array.Empty<DynamicSecurityReply>());
        }

        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
            deadline.CancelAfter(_connector.Endpoint.Timeout);
            MqttClientSubscribeResult subscribed = await client.SubscribeAsync(
                new MqttClientSubscribeOptionsBuilder().WithTopicFilter(BrokerRights.ControlResponseTopic, MqttQualityOfServiceLevel.AtLeastOnce).Build(), deadline.Token).ConfigureAwait(false);
            if (subscribed.Items.Any(i => (int)i.ResultCode > 2))
            {
                return new Exchange(BrokerAccessStatus.NotAuthorized, "the broker refused the subscription to " + BrokerRights.ControlResponseTopic + ": " + subscribed.Items.First().ResultCode, Array.Empty<DynamicSecurityReply>());
            }

            foreach (byte[] message in Batches(prepared))
            {
                MqttClientPublishResult published = await client.PublishAsync(new MqttApplicationMessageBuilder()
                    .WithTopic(BrokerRights.ControlTopic)
                    .WithPayload(message)
                    .WithQualityOfServiceLevel(MqttQualityOfServiceLevel.AtLeastOnce)
                    .Build(), deadline.Token).ConfigureAwait(false);
                if (published.ReasonCode is not (MqttClientPublishReasonCode.Success or MqttClientPublishReasonCode.NoMatchingSubscribers))
                {
                    return new Exchange(BrokerAccessStatus.NotAuthorized, "the broker refused the command message: " + published.ReasonCode, Array.Empty<DynamicSecurityReply>());
                }
            }

            try
            {
                await complete.Task.WaitAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
            {
                return new Exchange(BrokerAccessStatus.Timeout, (ids.Count - answered) + " of " + ids.Count + " commands unanswered by " + _connector.Where + " within " + _connector.Endpoint.Timeout.TotalSeconds + " s", Array.Empty<DynamicSecurityReply>());
            }

            return new Exchange(BrokerAccessStatus.Done, "done", ids.Select(id => pending[id]!).ToArray());
        }
        catch (OperationCanceledException) when (!cancellation.IsCancellationRequested)
        {
            return new Exchange(BrokerAccessStatus.Timeout, "no answer from " + _connector.Where + " within " + _connector.Endpoint.Timeout.TotalSeconds + " s", Array.Empty<DynamicSecurityReply>());
        }
        catch (Exception error) when (error is MqttCommunicationException or InvalidOperationException)
        {
            return new Exchange(BrokerAccessStatus.Unreachable, "connection to " + _connector.Where + " lost: " + MqttConnector.FirstLine(error.Message), Array.Empty<DynamicSecurityReply>());
        }
        finally
        {
            if (client.IsConnected)
            {
                try
                {
                    await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception error) when (error is MqttCommunicationException or InvalidOperationException or OperationCanceledException)
                {
                    // Already gone: nothing is lost, the answers (if any) are in.
                }
            }
        }
    }

    // Groups commands into messages of at most MaxCommandBytes (one command alone may not exceed it: ids are at most 64 characters).
    private static IEnumerable<byte[]> Batches(IReadOnlyList<JsonObject> commands)
    {
        var batch = new JsonArray();
        int size = 16;
        foreach (JsonObject command in commands)
        {
            int length = Encoding.UTF8.GetByteCount(command.ToJsonString()) + 1;
            if (batch.Count > 0 && size + length > MaxCommandBytes)
            {
                yield return Encoding.UTF8.GetBytes(new JsonObject { ["commands"] = batch }.ToJsonString());
                batch = new JsonArray();
                size = 16;
            }

            batch.Add(command.DeepClone());
            size += length;
        }

        if (batch.Count > 0)
        {
            yield return Encoding.UTF8.GetBytes(new JsonObject { ["commands"] = batch }.ToJsonString());
        }
    }

    private static IEnumerable<DynamicSecurityReply> Parse(byte[] payload)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(payload);
        }
        catch (JsonException)
        {
            yield break;
        }

        if (root?["responses"] is not JsonArray responses)
        {
            yield break;
        }

        foreach (JsonNode? response in responses)
        {
            if (response is JsonObject item)
            {
                yield return new DynamicSecurityReply(
                    item["command"]?.GetValue<string>() ?? string.Empty,
                    item["error"]?.GetValue<string>(),
                    item["correlationData"]?.GetValue<string>(),
                    item["data"]);
            }
        }
    }

    private sealed record DynamicSecurityReply(string Command, string? Error, string? CorrelationData, JsonNode? Data);

    private sealed record Exchange(BrokerAccessStatus Status, string Detail, IReadOnlyList<DynamicSecurityReply> Replies)
    {
        /// <summary>True when the exchange was answered and every error is one of <paramref name="errors"/> (and there is one).</summary>
        public bool OnlyError(params string[] errors) => Status == BrokerAccessStatus.Done
            && Replies.Any(r => r.Error != null) && Replies.All(r => r.Error == null || errors.Contains(r.Error));

        /// <summary>Done when answered and no reply carries an error other than <paramref name="tolerated"/>.</summary>
        public BrokerAccessResult Result(params string[] tolerated)
        {
            if (Status != BrokerAccessStatus.Done)
            {
                return new BrokerAccessResult(Status, Detail);
            }

            DynamicSecurityReply? failed = Replies.FirstOrDefault(r => r.Error != null && !tolerated.Contains(r.Error));
            return failed == null
                ? new BrokerAccessResult(BrokerAccessStatus.Done, string.Join(", ", Replies.Select(r => r.Command + (r.Error != null ? " (" + r.Error + ")" : string.Empty))))
                : new BrokerAccessResult(BrokerAccessStatus.Rejected, failed.Command + ": " + failed.Error);
        }
    }
}
