// The shape of nanoFramework.Runtime.Native 1.7.11 (source: nanoFramework.Runtime.Native v1.7.11, e70ef6920ca8): every
// listed type, with statics, return types, parameter names and defaults, enum values, event delegate types and base types,
// which the listing's doc-IDs do not carry. Only declarations; ListingReferenceBuilder checks each member against
// nanoFramework.Runtime.Native.txt.
using System;

namespace System
{
    public static partial class Environment
    {
        public static extern long TickCount64 { get; }
    }
}

namespace nanoFramework.Runtime.Native
{
    public class ConstraintException : Exception
    {
        public ConstraintException();
    }

    public static class ExecutionConstraint
    {
        public static extern void Install(int timeoutMilliseconds, int priority);
    }

    public static class GC
    {
        public static extern uint Run(bool compactHeap);
        public static extern void EnableGCMessages(bool enable);
    }

    public delegate void RebootEventHandler();

    public class Power
    {
        public Power();
        public static event RebootEventHandler OnRebootEvent;
        public static void RebootDevice(RebootOption rebootOption = RebootOption.NormalReboot);
        public static void RebootDevice(int exeConstraintTimeout, RebootOption rebootOption = RebootOption.NormalReboot);
    }

    public enum RebootOption
    {
        NormalReboot = 0,
        EnterNanoBooter = 1,
        ClrOnly = 2,
        EnterProprietaryBooter = 8,
    }

    public static class Rtc
    {
        public static bool SetSystemTime(DateTime time);
    }

    public static class SystemInfo
    {
        public static Version Version { get; }
        public static extern string OEMString { get; }
        public static extern byte OEM { get; }
        public static extern byte Model { get; }
        public static extern ushort SKU { get; }
        public static extern string TargetName { get; }
        public static extern string Platform { get; }
        public static FloatingPoint FloatingPointSupport { get; }

        public enum FloatingPoint
        {
            None = 0,
            SinglePrecisionSoftware = 1,
            SinglePrecisionHardware = 2,
            DoublePrecisionSoftware = 3,
            DoublePrecisionHardware = 4,
        }
    }
}
