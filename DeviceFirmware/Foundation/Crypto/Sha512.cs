using System;

namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Streaming SHA-512 (FIPS 180-4 §6.4), used by Ed25519. Same contract as <see cref="Sha256"/>:
    /// reusable, all working memory allocated once, <see cref="BlockHash.Append"/> and <see cref="BlockHash.Finish"/> allocate nothing.
    /// Messages are limited to 2^61 bytes (the length is kept in a 64-bit byte counter).
    /// </summary>
    public sealed class Sha512 : BlockHash
    {
        /// <summary>Digest length in bytes (64).</summary>
        public const int HashSizeBytes = 64;

        /// <summary>Block length in bytes (128).</summary>
        public const int BlockSizeBytes = 128;

        private static readonly ulong[] RoundConstants = new ulong[]
        {
            0x428a2f98d728ae22UL, 0x7137449123ef65cdUL, 0xb5c0fbcfec4d3b2fUL, 0xe9b5dba58189dbbcUL,
            0x3956c25bf348b538UL, 0x59f111f1b605d019UL, 0x923f82a4af194f9bUL, 0xab1c5ed5da6d8118UL,
            0xd807aa98a3030242UL, 0x12835b0145706fbeUL, 0x243185be4ee4b28cUL, 0x550c7dc3d5ffb4e2UL,
            0x72be5d74f27b896fUL, 0x80deb1fe3b1696b1UL, 0x9bdc06a725c71235UL, 0xc19bf174cf692694UL,
            0xe49b69c19ef14ad2UL, 0xefbe4786384f25e3UL, 0x0fc19dc68b8cd5b5UL, 0x240ca1cc77ac9c65UL,
            0x2de92c6f592b0275UL, 0x4a7484aa6ea6e483UL, 0x5cb0a9dcbd41fbd4UL, 0x76f988da831153b5UL,
            0x983e5152ee66dfabUL, 0xa831c66d2db43210UL, 0xb00327c898fb213fUL, 0xbf597fc7beef0ee4UL,
            0xc6e00bf33da88fc2UL, 0xd5a79147930aa725UL, 0x06ca6351e003826fUL, 0x142929670a0e6e70UL,
            0x27b70a8546d22ffcUL, 0x2e1b21385c26c926UL, 0x4d2c6dfc5ac42aedUL, 0x53380d139d95b3dfUL,
            0x650a73548baf63deUL, 0x766a0abb3c77b2a8UL, 0x81c2c92e47edaee6UL, 0x92722c851482353bUL,
            0xa2bfe8a14cf10364UL, 0xa81a664bbc423001UL, 0xc24b8b70d0f89791UL, 0xc76c51a30654be30UL,
            0xd192e819d6ef5218UL, 0xd69906245565a910UL, 0xf40e35855771202aUL, 0x106aa07032bbd1b8UL,
            0x19a4c116b8d2d0c8UL, 0x1e376c085141ab53UL, 0x2748774cdf8eeb99UL, 0x34b0bcb5e19b48a8UL,
            0x391c0cb3c5c95a63UL, 0x4ed8aa4ae3418acbUL, 0x5b9cca4f7763e373UL, 0x682e6ff3d6b2b8a3UL,
            0x748f82ee5defb2fcUL, 0x78a5636f43172f60UL, 0x84c87814a1f0ab72UL, 0x8cc702081a6439ecUL,
            0x90befffa23631e28UL, 0xa4506cebde82bde9UL, 0xbef9a3f7b2c67915UL, 0xc67178f2e372532bUL,
            0xca273eceea26619cUL, 0xd186b8c721c0c207UL, 0xeada7dd6cde0eb1eUL, 0xf57d4f7fee6ed178UL,
            0x06f067aa72176fbaUL, 0x0a637dc5a2c898a6UL, 0x113f9804bef90daeUL, 0x1b710b35131c471bUL,
            0x28db77f523047d84UL, 0x32caab7b40c72493UL, 0x3c9ebe0a15c9bebcUL, 0x431d67c49c100d4cUL,
            0x4cc5d4becb3e42b6UL, 0x597f299cfc657e2aUL, 0x5fcb6fab3ad6faecUL, 0x6c44198c4a475817UL,
        };

        private static readonly ulong[] InitialState = new ulong[]
        {
            0x6a09e667f3bcc908UL, 0xbb67ae8584caa73bUL, 0x3c6ef372fe94f82bUL, 0xa54ff53a5f1d36f1UL,
            0x510e527fade682d1UL, 0x9b05688c2b3e6c1fUL, 0x1f83d9abfb41bd6bUL, 0x5be0cd19137e2179UL,
        };

        private readonly ulong[] _state = new ulong[8];
        private readonly ulong[] _schedule = new ulong[80];

        /// <summary>Creates an instance ready to hash a new message.</summary>
        public Sha512()
            : base(BlockSizeBytes, 16)
        {
            Reset();
        }

        /// <summary>Digest length in bytes (64).</summary>
        public override int DigestSize
        {
            get { return HashSizeBytes; }
        }

        /// <inheritdoc/>
        protected override void ResetState()
        {
            Array.Copy(InitialState, _state, 8);
        }

        /// <inheritdoc/>
        protected override void WriteDigest(byte[] output, int outputOffset)
        {
            for (int i = 0; i < 8; i++)
            {
                ulong word = _state[i];
                int at = outputOffset + (8 * i);
                for (int j = 0; j < 8; j++)
                {
                    output[at + j] = (byte)(word >> (56 - (8 * j)));
                }
            }
        }

        /// <inheritdoc/>
        protected override void Compress(byte[] data, int offset)
        {
            ulong[] w = _schedule;
            for (int t = 0; t < 16; t++)
            {
                int at = offset + (8 * t);
                ulong word = 0;
                for (int j = 0; j < 8; j++)
                {
                    word = (word << 8) | data[at + j];
                }

                w[t] = word;
            }

            for (int t = 16; t < 80; t++)
            {
                ulong x = w[t - 2];
                ulong y = w[t - 15];
                ulong sigma1 = ((x >> 19) | (x << 45)) ^ ((x >> 61) | (x << 3)) ^ (x >> 6);
                ulong sigma0 = ((y >> 1) | (y << 63)) ^ ((y >> 8) | (y << 56)) ^ (y >> 7);
                w[t] = sigma1 + w[t - 7] + sigma0 + w[t - 16];
            }

            ulong a = _state[0];
            ulong b = _state[1];
            ulong c = _state[2];
            ulong d = _state[3];
            ulong e = _state[4];
            ulong f = _state[5];
            ulong g = _state[6];
            ulong h = _state[7];
            for (int t = 0; t < 80; t++)
            {
                ulong bigSigma1 = ((e >> 14) | (e << 50)) ^ ((e >> 18) | (e << 46)) ^ ((e >> 41) | (e << 23));
                ulong choose = g ^ (e & (f ^ g));
                ulong t1 = h + bigSigma1 + choose + RoundConstants[t] + w[t];
                ulong bigSigma0 = ((a >> 28) | (a << 36)) ^ ((a >> 34) | (a << 30)) ^ ((a >> 39) | (a << 25));
                ulong majority = (a & b) | (c & (a | b));
                ulong t2 = bigSigma0 + majority;
                h = g;
                g = f;
                f = e;
                e = d + t1;
                d = c;
                c = b;
                b = a;
                a = t1 + t2;
            }

            _state[0] += a;
            _state[1] += b;
            _state[2] += c;
            _state[3] += d;
            _state[4] += e;
            _state[5] += f;
            _state[6] += g;
            _state[7] += h;
        }
    }
}
