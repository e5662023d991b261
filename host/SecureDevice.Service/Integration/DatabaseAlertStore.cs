using System;
using System.Collections.Generic;
using System.Data.Common;
using System.Threading;
using System.Threading.Tasks;
using SecureDevice.Fleet;
using SecureDevice.Fleet.Response.Alerts;
using SecureDevice.Service.Storage;
using FleetAlertStore = SecureDevice.Fleet.Response.Alerts.IAlertStore;

namespace SecureDevice.Service.Integration;

/// <summary>
/// The alert dispatcher's state in the service's database (<see cref="ServiceStateSchema.AlertOutbox"/>, an outbox, and
/// <see cref="ServiceStateSchema.AlertLastState"/>), shared by every instance: a restart resumes each pending delivery
/// with its attempt count and the same alert id; an instance attempts a delivery only under its claim
/// (<see cref="TryClaim"/>: a conditional UPDATE that one instance wins), so two instances never both send it. The
/// dispatcher's interface is synchronous: each call is one short statement. A database error is a
/// <see cref="FleetException"/> (the dispatcher then refuses to queue, or leaves the delivery for a later pass).
/// </summary>
public sealed class DatabaseAlertStore : FleetAlertStore
{
    private const string Columns = "alert_id, customer_id, device_id, kind, channel, state, attempts, last_error, created_ms, next_attempt_ms, done_ms, body, subject";
    private const string PendingStates = "state IN ('queued', 'failed')";

    private readonly SqlDialect _dialect;
    private readonly string _instance;
    private readonly TimeProvider _time;

    /// <param name="instance">This instance's name (its MQTT client id): the owner of its claims.</param>
    public DatabaseAlertStore(SqlDialect dialect, string instance, TimeProvider time)
    {
        _dialect = dialect;
        _instance = instance;
        _time = time;
    }

    public bool Shared => true;

    /// <summary>Pending deliveries read at most per pass (the dispatcher's own capacity is 1,000).</summary>
    public int MaxPending { get; init; } = 2000;

    public void Save(AlertDelivery delivery) => Run(connection =>
    {
        using DbCommand command = SaveCommand(connection, null, delivery);
        return command.ExecuteNonQuery();
    });

    /// <summary>
    /// Writes a planned alert (<see cref="AlertDispatcher.Plan"/>) inside the caller's transaction: the action's
    /// completion (<see cref="FleetStore.CompleteActionAsync"/>), so that the owner's alert is queued if and only if the
    /// action is recorded done. A queued plan inserts its deliveries and the last state; a summarized one the last
    /// state only; any other writes nothing. The same statements as <see cref="Save"/> and <see cref="SetLastState"/>.
    /// </summary>
    public static async Task QueueAsync(DbConnection connection, DbTransaction transaction, AlertPlan plan, long nowMs, CancellationToken cancellationToken)
    {
        if (plan.Key == null || plan.State == null)
        {
            return;
        }

        foreach (AlertDelivery delivery in plan.Deliveries)
        {
            using DbCommand save = SaveCommand(connection, transaction, delivery);
            await save.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        using DbCommand state = LastStateCommand(connection, transaction, plan.Key, plan.State, nowMs);
        await state.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static DbCommand SaveCommand(DbConnection connection, DbTransaction? transaction, AlertDelivery delivery)
    {
        // A new delivery is inserted; a known one moves forward only (never back to fewer attempts) and loses its claim.
        DbCommand command = ServiceStateStore.Command(connection, transaction, $"INSERT INTO {ServiceStateSchema.AlertOutbox} (delivery_id, {Columns}) "
            + "VALUES (@id, @alert, @c, @d, @k, @ch, @s, @a, @e, @cr, @next, @done, @body, @subject) ON CONFLICT (delivery_id) DO UPDATE SET "
            + "state = excluded.state, attempts = excluded.attempts, last_error = excluded.last_error, next_attempt_ms = excluded.next_attempt_ms, "
            + $"done_ms = excluded.done_ms, lease_owner = NULL, lease_until_ms = NULL WHERE {ServiceStateSchema.AlertOutbox}.attempts <= excluded.attempts");
        SqlDialect.Parameter(command, "@id", delivery.Id);
        SqlDialect.Parameter(command, "@alert", delivery.AlertId);
        SqlDialect.Parameter(command, "@c", delivery.CustomerId);
        SqlDialect.Parameter(command, "@d", delivery.DeviceId);
        SqlDialect.Parameter(command, "@k", delivery.Kind);
        SqlDialect.Parameter(command, "@ch", Name(delivery.Channel));
        SqlDialect.Parameter(command, "@s", Name(delivery.State));
        SqlDialect.Parameter(command, "@a", (long)delivery.Attempts);
        SqlDialect.Parameter(command, "@e", delivery.LastError);
        SqlDialect.Parameter(command, "@cr", delivery.CreatedAt.ToUnixTimeMilliseconds());
        SqlDialect.Parameter(command, "@next", delivery.NextAttemptAt.ToUnixTimeMilliseconds());
        SqlDialect.Parameter(command, "@done", delivery.DoneAt?.ToUnixTimeMilliseconds());
        SqlDialect.Parameter(command, "@body", delivery.Body);
        SqlDialect.Parameter(command, "@subject", delivery.Subject);
        return command;
    }

    public IReadOnlyList<AlertDelivery> Deliveries() => Read($"SELECT {Columns} FROM {ServiceStateSchema.AlertOutbox} ORDER BY created_ms, delivery_id", null);

    public IReadOnlyList<AlertDelivery> PendingDeliveries() =>
        Read($"SELECT {Columns} FROM {ServiceStateSchema.AlertOutbox} WHERE {PendingStates} ORDER BY next_attempt_ms, delivery_id LIMIT @limit", (long)MaxPending);

    public string? LastState(string key) => Run(connection =>
    {
        using DbCommand command = ServiceStateStore.Command(connection, null, $"SELECT state FROM {ServiceStateSchema.AlertLastState} WHERE dedupe_key = @k");
        SqlDialect.Parameter(command, "@k", key);
        return command.ExecuteScalar() as string;
    });

    public void SetLastState(string key, string state) => Run(connection =>
    {
        using DbCommand command = LastStateCommand(connection, null, key, state, _time.GetUtcNow().ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery();
    });

    private static DbCommand LastStateCommand(DbConnection connection, DbTransaction? transaction, string key, string state, long nowMs)
    {
        DbCommand command = ServiceStateStore.Command(connection, transaction, $"INSERT INTO {ServiceStateSchema.AlertLastState} (dedupe_key, state, updated_ms) VALUES (@k, @s, @u) "
            + "ON CONFLICT (dedupe_key) DO UPDATE SET state = excluded.state, updated_ms = excluded.updated_ms");
        SqlDialect.Parameter(command, "@k", key);
        SqlDialect.Parameter(command, "@s", state);
        SqlDialect.Parameter(command, "@u", nowMs);
        return command;
    }

    /// <summary>
    /// One conditional UPDATE: the row must still be pending with this copy's attempt count, and unclaimed, its claim
    /// expired, or already this instance's (a restart of it). Exactly one of several racing instances changes the row.
    /// </summary>
    public bool TryClaim(AlertDelivery delivery, DateTimeOffset now, TimeSpan lease) => Run(connection =>
    {
        using DbCommand command = ServiceStateStore.Command(connection, null, $"UPDATE {ServiceStateSchema.AlertOutbox} SET lease_owner = @me, lease_until_ms = @until "
            + $"WHERE delivery_id = @id AND attempts = @a AND {PendingStates} AND (lease_until_ms IS NULL OR lease_until_ms <= @now OR lease_owner = @me)");
        SqlDialect.Parameter(command, "@me", _instance);
        SqlDialect.Parameter(command, "@until", (now + lease).ToUnixTimeMilliseconds());
        SqlDialect.Parameter(command, "@id", delivery.Id);
        SqlDialect.Parameter(command, "@a", (long)delivery.Attempts);
        SqlDialect.Parameter(command, "@now", now.ToUnixTimeMilliseconds());
        return command.ExecuteNonQuery();
    }) == 1;

    /// <summary>Deletes sent deliveries done before <paramref name="sentBeforeMs"/> and dead letters before <paramref name="deadBeforeMs"/>; rows deleted.</summary>
    public int Prune(long sentBeforeMs, long deadBeforeMs) => Run(connection =>
    {
        using DbCommand command = ServiceStateStore.Command(connection, null, $"DELETE FROM {ServiceStateSchema.AlertOutbox} "
            + "WHERE (state = 'sent' AND done_ms < @sent) OR (state = 'dead' AND done_ms < @dead)");
        SqlDialect.Parameter(command, "@sent", sentBeforeMs);
        SqlDialect.Parameter(command, "@dead", deadBeforeMs);
        return command.ExecuteNonQuery();
    });

    private static string Name<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();

    private static T Parse<T>(string text) where T : struct, Enum =>
        Enum.TryParse(text, ignoreCase: true, out T value) && Name(value) == text ? value : throw new FleetException(FleetError.CorruptState, "alert outbox: unknown " + typeof(T).Name + " value");

    private IReadOnlyList<AlertDelivery> Read(string sql, long? limit) => Run(connection =>
    {
        using DbCommand command = ServiceStateStore.Command(connection, null, sql);
        if (limit != null)
        {
            SqlDialect.Parameter(command, "@limit", limit);
        }

        var list = new List<AlertDelivery>();
        using DbDataReader r = command.ExecuteReader();
        while (r.Read())
        {
            list.Add(new AlertDelivery
            {
                AlertId = r.GetString(0),
                CustomerId = r.GetString(1),
                DeviceId = r.IsDBNull(2) ? null : r.GetString(2),
                Kind = r.GetString(3),
                Channel = Parse<AlertChannel>(r.GetString(4)),
                State = Parse<DeliveryState>(r.GetString(5)),
                Attempts = (int)ServiceStateStore.Long(r, 6),
                LastError = r.IsDBNull(7) ? null : r.GetString(7),
                CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(ServiceStateStore.Long(r, 8)),
                NextAttemptAt = DateTimeOffset.FromUnixTimeMilliseconds(ServiceStateStore.Long(r, 9)),
                DoneAt = ServiceStateStore.NullableLong(r, 10) is long done ? DateTimeOffset.FromUnixTimeMilliseconds(done) : null,
                Body = r.GetString(11),
                Subject = r.IsDBNull(12) ? null : r.GetString(12),
            });
        }

        return (IReadOnlyList<AlertDelivery>)list;
    });

    private TResult Run<TResult>(Func<DbConnection, TResult> work)
    {
        try
        {
            using DbConnection connection = _dialect.OpenAsync(CancellationToken.None).GetAwaiter().GetResult();
            return work(connection);
        }
        catch (Exception error) when (error is DbException or InvalidOperationException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new FleetException(FleetError.Io, "alert outbox: " + error.Message.Split('\n')[0], error);
        }
    }
}
