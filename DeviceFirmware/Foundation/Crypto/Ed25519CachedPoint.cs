namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// A point prepared as the right-hand operand of an addition: (Y+X, Y-X, 2Z, 2dT).
    /// Precomputing these saves one multiplication per addition in the scalar-multiplication loops.
    /// </summary>
    public sealed class Ed25519CachedPoint
    {
        /// <summary>Y + X (not carried).</summary>
        public readonly long[] YPlusX = Field25519.Create();

        /// <summary>Y - X (not carried).</summary>
        public readonly long[] YMinusX = Field25519.Create();

        /// <summary>2Z (not carried).</summary>
        public readonly long[] DoubleZ = Field25519.Create();

        /// <summary>2dT (carried).</summary>
        public readonly long[] DoubleDT = Field25519.Create();

        /// <summary>Sets this to the cached form of the neutral element.</summary>
        public void SetIdentity()
        {
            Field25519.SetOne(YPlusX);
            Field25519.SetOne(YMinusX);
            Field25519.SetOne(DoubleZ);
            DoubleZ[0] = 2;
            Field25519.SetZero(DoubleDT);
        }

        /// <summary>Constant-time: copies <paramref name="source"/> into this when <paramref name="choice"/> is 1, keeps this when 0.</summary>
        public void ConditionalCopy(Ed25519CachedPoint source, int choice)
        {
            Field25519.ConditionalMove(YPlusX, source.YPlusX, choice);
            Field25519.ConditionalMove(YMinusX, source.YMinusX, choice);
            Field25519.ConditionalMove(DoubleZ, source.DoubleZ, choice);
            Field25519.ConditionalMove(DoubleDT, source.DoubleDT, choice);
        }
    }
}
