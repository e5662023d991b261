// The shape of nanoFramework.Hardware.Esp32 1.6.40 (source: nanoFramework.Hardware.Esp32 v1.6.40, 182a6e5badc4), for the
// types the firmware uses: NativeMemory (a static method with out parameters, which a doc-ID writes as by-ref). The other
// listed types keep the builder's default shape. Only declarations; ListingReferenceBuilder checks each member against
// nanoFramework.Hardware.Esp32.txt.
using System;

namespace nanoFramework.Hardware.Esp32
{
    public class NativeMemory
    {
        public NativeMemory();

        public enum MemoryType
        {
            All,
            Internal,
            SpiRam,
        }

        public static void GetMemoryInfo(MemoryType memType, out UInt32 totalSize, out UInt32 totalFreeSize, out UInt32 largestFreeBlock);
    }
}
