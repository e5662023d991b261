namespace SecureDevice.Core.Time
{
    /// <summary>
    /// What the platform hands the core at each step of its loop: the monotonic time, the wall-clock time, the network
    /// state and a fresh random value. One type instead of the same four parameters on every <c>Step</c> (the main loop,
    /// the agent, the connection manager, the update engine). A class, not a struct: on nanoCLR a struct is a heap block
    /// too, so the caller owns one instance and refreshes it with <see cref="Set"/> each iteration (0 bytes per step).
    /// A step reads it and never keeps it past the call.
    /// </summary>
    public sealed class StepInput
    {
        /// <summary>An input at time 0, wall clock unknown, network down.</summary>
        public StepInput()
        {
            UtcSeconds = -1;
        }

        /// <summary>An input with the given values (see <see cref="Set"/>).</summary>
        public StepInput(long nowMs, long utcSeconds, bool networkUp, uint random)
        {
            Set(nowMs, utcSeconds, networkUp, random);
        }

        /// <summary>Monotonic milliseconds (wrap-safe arithmetic: <see cref="Monotonic"/>).</summary>
        public long NowMs { get; private set; }

        /// <summary>Wall-clock Unix seconds, or -1 while not synchronised (trusted only when <see cref="TimeKnown"/>).</summary>
        public long UtcSeconds { get; private set; }

        /// <summary>Whether the network link (Wi-Fi, DHCP) is up.</summary>
        public bool NetworkUp { get; private set; }

        /// <summary>A fresh random value for this step (jitter).</summary>
        public uint Random { get; private set; }

        /// <summary>True when <see cref="UtcSeconds"/> is synchronised wall-clock time (<see cref="WallTime.IsValid"/>).</summary>
        public bool TimeKnown
        {
            get { return WallTime.IsValid(UtcSeconds); }
        }

        /// <summary>Refreshes every value; returns this instance so a caller can write <c>agent.Step(input.Set(...))</c>.</summary>
        public StepInput Set(long nowMs, long utcSeconds, bool networkUp, uint random)
        {
            NowMs = nowMs;
            UtcSeconds = utcSeconds;
            NetworkUp = networkUp;
            Random = random;
            return this;
        }

        /// <summary>
        /// Copies <paramref name="source"/> with another random value: a component that must not draw the same jitter as
        /// its neighbour (the update engine next to the connection manager) gets its own stream from one platform value.
        /// </summary>
        public StepInput CopyWithRandom(StepInput source, uint random)
        {
            return Set(source.NowMs, source.UtcSeconds, source.NetworkUp, random);
        }
    }
}
