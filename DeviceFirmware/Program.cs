using System.Diagnostics;
using System.Threading;

namespace SecureDevice
{
    /// <summary>Device entry point.</summary>
    public class Program
    {
        /// <summary>Starts the firmware.</summary>
        public static void Main()
        {
            Debug.WriteLine("SecureDevice firmware starting");
            Thread.Sleep(Timeout.Infinite);
        }
    }
}
