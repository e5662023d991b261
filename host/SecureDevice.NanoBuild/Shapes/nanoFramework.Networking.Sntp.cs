// The shape of nanoFramework.Networking.Sntp 1.6.42 (source: nanoFramework.Networking.Sntp v1.6.42, 8e44b13844de): a class
// of static native members (the doc-IDs say neither static nor types). Only declarations; ListingReferenceBuilder checks
// each member against nanoFramework.Networking.Sntp.txt.
namespace nanoFramework.Networking
{
    public class Sntp
    {
        public Sntp();
        public static extern void Start();
        public static extern void Stop();
        public static extern void UpdateNow();
        public static extern bool IsStarted { get; }
        public static extern string Server1 { get; set; }
        public static extern string Server2 { get; set; }
    }
}
