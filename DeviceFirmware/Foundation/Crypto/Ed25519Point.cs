namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// A point on edwards25519 in extended coordinates (X:Y:Z:T) with x = X/Z, y = Y/Z, x*y = T/Z.
    /// The four field elements are allocated once; arithmetic in <see cref="Ed25519Group"/> writes into them.
    /// </summary>
    public sealed class Ed25519Point
    {
        /// <summary>Projective X.</summary>
        public readonly long[] X = Field25519.Create();

        /// <summary>Projective Y.</summary>
        public readonly long[] Y = Field25519.Create();

        /// <summary>Projective Z.</summary>
        public readonly long[] Z = Field25519.Create();

        /// <summary>Extended coordinate T = XY/Z.</summary>
        public readonly long[] T = Field25519.Create();

        /// <summary>Sets this point to the neutral element (0, 1).</summary>
        public void SetIdentity()
        {
            Field25519.SetZero(X);
            Field25519.SetOne(Y);
            Field25519.SetOne(Z);
            Field25519.SetZero(T);
        }

        /// <summary>Copies <paramref name="source"/> into this point.</summary>
        public void CopyFrom(Ed25519Point source)
        {
            Field25519.Copy(X, source.X);
            Field25519.Copy(Y, source.Y);
            Field25519.Copy(Z, source.Z);
            Field25519.Copy(T, source.T);
        }
    }
}
