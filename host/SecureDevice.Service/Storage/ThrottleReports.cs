namespace SecureDevice.Service.Storage;

/// <summary>
/// The device's own word about a throttle (<see cref="IActionStore.ReadThrottleReportsAsync"/>): its stored health
/// reports received in a window after the throttle's intent, read for the flag our firmware sets while a server throttle
/// is in force (<c>HealthFlags.Throttled</c>). A device's word: a lying device can claim to be throttled, never prove
/// the broker wrong.
/// </summary>
/// <param name="FlaggedMs">When the earliest report of the window carrying the flag was received (null: none did).</param>
/// <param name="Unflagged">Reports of the window (of those read, at most the limit) without the flag.</param>
/// <param name="LastUnflaggedMs">When the latest of them was received (null: none).</param>
/// <param name="NextActionMs">
/// The intent time of the device's next action after the throttle, where the window ends (null: none yet): after
/// it, the flag may be that action's (a later throttle, a lift's own short throttle) and says nothing about this one.
/// </param>
public sealed record ThrottleReports(long? FlaggedMs, int Unflagged, long? LastUnflaggedMs, long? NextActionMs);

/// <summary>A position in the pending actions' order (intent time, then id): <see cref="IActionStore.ListPendingActionsAsync"/> lists the rows after it.</summary>
public sealed record PendingCursor(long AtMs, long Id);
