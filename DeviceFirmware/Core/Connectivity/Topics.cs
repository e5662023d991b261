using SecureDevice.Core.Text;

namespace SecureDevice.Core.Connectivity
{
    /// <summary>
    /// The device's MQTT topics: <c>{prefix}/{id}/up/{leaf}</c> to publish, <c>{prefix}/{id}/down/{leaf}</c> to receive.
    /// The broker's ACL allows nothing else. Strings are built once per device.
    /// </summary>
    public sealed class Topics
    {
        /// <summary>Retained "online"/"offline" status (the last will is "offline").</summary>
        public const string StatusLeaf = "status";

        /// <summary>Health reports.</summary>
        public const string HealthLeaf = "health";

        /// <summary>Events (errors, update outcomes).</summary>
        public const string EventsLeaf = "events";

        /// <summary>Update progress.</summary>
        public const string UpdateLeaf = "update";

        /// <summary>Inbound throttle commands.</summary>
        public const string ThrottleLeaf = "throttle";

        /// <summary>Inbound update offers.</summary>
        public const string OfferLeaf = "update";

        private readonly string _upPrefix;
        private readonly string _downPrefix;

        /// <summary>Creates the topics for <paramref name="deviceId"/> under <paramref name="prefix"/>.</summary>
        public Topics(string prefix, string deviceId)
        {
            _upPrefix = prefix + "/" + deviceId + "/up/";
            _downPrefix = prefix + "/" + deviceId + "/down/";
            DownFilter = _downPrefix + "#";
            Status = Up(StatusLeaf);
            Health = Up(HealthLeaf);
            Events = Up(EventsLeaf);
            Update = Up(UpdateLeaf);
        }

        /// <summary>Subscription filter for everything sent to this device.</summary>
        public string DownFilter { get; private set; }

        /// <summary>Status topic.</summary>
        public string Status { get; private set; }

        /// <summary>Health topic.</summary>
        public string Health { get; private set; }

        /// <summary>Events topic.</summary>
        public string Events { get; private set; }

        /// <summary>Update progress topic.</summary>
        public string Update { get; private set; }

        /// <summary>The up topic for <paramref name="leaf"/>.</summary>
        public string Up(string leaf)
        {
            return _upPrefix + leaf;
        }

        /// <summary>The leaf of an inbound topic of this device, or null when the topic is not one of its down topics.</summary>
        public string DownLeaf(string topic)
        {
            if (topic == null || topic.Length <= _downPrefix.Length || !AsciiText.StartsWith(topic, _downPrefix))
            {
                return null;
            }

            string leaf = topic.Substring(_downPrefix.Length);
            return leaf.IndexOf('/') >= 0 ? null : leaf;
        }
    }
}
