namespace SecureDevice.Lab.Simulation;

/// <summary>A seeded xorshift64* stream of 32-bit values: identical results for identical seeds on every platform.</summary>
public sealed class SeededRandom
{
    private ulong _state;

    public SeededRandom(ulong seed)
    {
        _state = seed == 0 ? 0x9E3779B97F4A7C15UL : seed;
    }

    public uint NextUInt()
    {
        _state ^= _state >> 12;
        _state ^= _state << 25;
        _state ^= _state >> 27;
        return (uint)((_state * 0x2545F4914F6CDD1DUL) >> 32);
    }

    /// <summary>Uniform in [0, bound).</summary>
    public long Next(long bound) => (long)(NextUInt() % (ulong)bound);

    /// <summary>An independent stream for item <paramref name="index"/>.</summary>
    public SeededRandom Fork(int index) => new((ulong)NextUInt() << 32 ^ (ulong)index * 0x9E3779B97F4A7C15UL);
}
