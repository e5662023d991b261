namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// Deterministic xorshift32 generator for tests, so that a test draws the same values on nanoCLR and on the host
    /// (System.Random differs between the two).
    /// </summary>
    public sealed class TestRandom
    {
        private uint _state;

        /// <summary>Creates a generator; seed 0 is replaced by a fixed non-zero value.</summary>
        public TestRandom(uint seed)
        {
            _state = seed == 0 ? 0x9e3779b9 : seed;
        }

        /// <summary>Next 32 random bits.</summary>
        public uint NextUInt()
        {
            uint x = _state;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            _state = x;
            return x;
        }

        /// <summary>Uniform-enough value in [0, bound) for test purposes; bound &gt; 0.</summary>
        public int Next(int bound)
        {
            return (int)(NextUInt() % (uint)bound);
        }

        /// <summary>Fills <c>buffer[offset, +count)</c> with random bytes.</summary>
        public void Fill(byte[] buffer, int offset, int count)
        {
            for (int i = 0; i < count; i++)
            {
                buffer[offset + i] = (byte)NextUInt();
            }
        }
    }
}
