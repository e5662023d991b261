namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// The QoS 1 messages a transport has handed to its MQTT client and not yet seen acknowledged, in a fixed number of
    /// slots. A transport asks for a slot (<see cref="TryReserve"/>) before it publishes and answers "busy" when there is
    /// none, so the client's own queue never fills: M2Mqtt 5.1.220 adds a message id to its wait list before it finds its
    /// queue full, and that id then stays until the client is closed, so every retried publish would leak one.
    /// <para>
    /// The acknowledgement may arrive (on the client's thread) before the transport learnt the id; an early
    /// acknowledgement is remembered while a reservation is open, so the slot is freed either way. The caller serialises
    /// access (the transport's lock). Allocation-free after construction.
    /// </para>
    /// </summary>
    public sealed class InflightWindow
    {
        private readonly int[] _ids;
        private readonly int[] _early;
        private int _count;
        private int _reserved;
        private int _earlyCount;

        /// <summary>A window of <paramref name="capacity"/> slots (1 .. 1024).</summary>
        public InflightWindow(int capacity)
        {
            if (capacity < 1 || capacity > 1024)
            {
                throw new System.ArgumentOutOfRangeException("capacity");
            }

            _ids = new int[capacity];
            _early = new int[capacity];
        }

        /// <summary>Slots in use: messages in flight plus open reservations.</summary>
        public int Count
        {
            get { return _count + _reserved; }
        }

        /// <summary>Number of slots.</summary>
        public int Capacity
        {
            get { return _ids.Length; }
        }

        /// <summary>Takes a slot for a publish about to be made; false when all are in use (the publish must not be made).</summary>
        public bool TryReserve()
        {
            if (Count == _ids.Length)
            {
                return false;
            }

            _reserved++;
            return true;
        }

        /// <summary>The publish was made and got <paramref name="messageId"/>: the reservation becomes an in-flight message, unless it is already acknowledged.</summary>
        public void Commit(int messageId)
        {
            EnsureReservation();
            for (int i = 0; i < _earlyCount; i++)
            {
                if (_early[i] == messageId)
                {
                    _early[i] = _early[--_earlyCount];
                    Release();
                    return;
                }
            }

            Release();
            _ids[_count++] = messageId;
        }

        /// <summary>The publish was not made (or failed): the reservation is given back.</summary>
        public void Cancel()
        {
            EnsureReservation();
            Release();
        }

        /// <summary>The client is done with <paramref name="messageId"/> (acknowledged, or given up): its slot is freed.</summary>
        /// <returns>True when the id was in flight or awaited by an open reservation.</returns>
        public bool Acknowledge(int messageId)
        {
            for (int i = 0; i < _count; i++)
            {
                if (_ids[i] == messageId)
                {
                    _ids[i] = _ids[--_count];
                    return true;
                }
            }

            if (_reserved > _earlyCount)
            {
                // Acknowledged before Commit: remembered until the publisher commits the id.
                _early[_earlyCount++] = messageId;
                return true;
            }

            return false;
        }

        /// <summary>The connection is gone: every slot is free again (a new client starts empty).</summary>
        public void Clear()
        {
            _count = 0;
            _reserved = 0;
            _earlyCount = 0;
        }

        private void EnsureReservation()
        {
            if (_reserved == 0)
            {
                throw new System.InvalidOperationException("no reservation to commit or cancel");
            }
        }

        private void Release()
        {
            _reserved--;
            if (_earlyCount > _reserved)
            {
                // A reservation closed without its id: an early acknowledgement it was waiting for cannot be matched any more.
                _earlyCount = _reserved;
            }
        }
    }
}
