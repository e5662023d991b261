namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// The message ids a transport's client thread saw acknowledged (PUBACK), waiting for the main loop to take them
    /// (<see cref="IMqttTransport.TryTakeAcknowledged"/>). First in, first out, in a fixed number of slots: when the main
    /// loop falls behind, a further id is refused and counted (<see cref="Dropped"/>), never stored by growing. A dropped
    /// id only delays the agent's bookkeeping (its report is retried and de-duplicated by the service), it loses no data.
    /// The caller serialises access (the transport's lock). Allocation-free after construction.
    /// </summary>
    public sealed class AckRing
    {
        private readonly int[] _ids;
        private int _head;
        private int _count;
        private int _dropped;

        /// <summary>A ring of <paramref name="capacity"/> slots (1 .. 1024).</summary>
        public AckRing(int capacity)
        {
            if (capacity < 1 || capacity > 1024)
            {
                throw new System.ArgumentOutOfRangeException("capacity");
            }

            _ids = new int[capacity];
        }

        /// <summary>Ids waiting to be taken.</summary>
        public int Count
        {
            get { return _count; }
        }

        /// <summary>Ids refused because the ring was full, since construction (at most one per PUBACK; not reset by <see cref="Clear"/>).</summary>
        public int Dropped
        {
            get { return _dropped; }
        }

        /// <summary>Appends <paramref name="messageId"/>; false (and counted) when every slot is taken.</summary>
        public bool TryAdd(int messageId)
        {
            if (_count == _ids.Length)
            {
                _dropped++;
                return false;
            }

            _ids[(_head + _count) % _ids.Length] = messageId;
            _count++;
            return true;
        }

        /// <summary>Takes the oldest id; false when there is none.</summary>
        public bool TryTake(out int messageId)
        {
            if (_count == 0)
            {
                messageId = 0;
                return false;
            }

            messageId = _ids[_head];
            _head = (_head + 1) % _ids.Length;
            _count--;
            return true;
        }

        /// <summary>The connection is gone: ids of the old client mean nothing to a new one.</summary>
        public void Clear()
        {
            _head = 0;
            _count = 0;
        }
    }
}
