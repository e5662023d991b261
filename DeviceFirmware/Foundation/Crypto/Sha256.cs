using System;

namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Streaming SHA-256 (FIPS 180-4 §6.2). One instance hashes one message at a time and is reused:
    /// <see cref="BlockHash.Finish"/> writes the digest and resets the instance for the next message.
    /// All working memory (state, one block buffer) is allocated once in the constructor;
    /// <see cref="BlockHash.Append"/> and <see cref="BlockHash.Finish"/> allocate nothing.
    /// Not thread-safe: give each thread its own instance.
    /// <para>
    /// Written for nanoFramework's IL interpreter, where every IL instruction costs, method calls and array accesses cost
    /// most, and 32↔64-bit conversions go through a slow generic routine (measured: docs/crypto-performance.md).
    /// So <see cref="Compress"/> has no calls, keeps the working variables and a rolling 16-word message schedule in
    /// locals, renames the working variables instead of shifting them (16 rounds per loop pass), and works in
    /// <c>ulong</c> throughout with every 32-bit word held twice, as <c>(x &lt;&lt; 32) | x</c>: a right shift of
    /// that is a 32-bit rotation in the low half, and <c>(x &amp; 0xFFFFFFFF) * 0x100000001</c> makes it from one
    /// 64-bit multiply. The high halves collect garbage from additions; only the low 32 bits are ever read, and a
    /// value is masked before it is doubled again. Against the same code in <c>uint</c> with shift-or rotations (measured
    /// with 8-round passes) this is 260 bytes less IL and, on Mono's interpreter, 14 % fewer machine instructions; on
    /// nanoCLR, <c>ulong</c> work also avoids its slow 32↔64-bit conversions (issue 16 measured +6 % there for
    /// <c>ulong</c> even where Mono lost 10 %).
    /// </para>
    /// </summary>
    public sealed class Sha256 : BlockHash
    {
        /// <summary>Digest length in bytes (32).</summary>
        public const int HashSizeBytes = 32;

        /// <summary>Block length in bytes (64).</summary>
        public const int BlockSizeBytes = 64;

        private static readonly ulong[] RoundConstants = new ulong[]
        {
            0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
            0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
            0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
            0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
            0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
            0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
            0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
            0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
        };

        private static readonly ulong[] InitialState = new ulong[]
        {
            0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
        };

        // Chaining state H0..H7 in the low 32 bits of each element (the high bits are garbage, see the class notes).
        private readonly ulong[] _state = new ulong[8];

        /// <summary>Creates an instance ready to hash a new message.</summary>
        public Sha256()
            : base(BlockSizeBytes, 8)
        {
            Reset();
        }

        /// <summary>Digest length in bytes (32).</summary>
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
                int at = outputOffset + (4 * i);
                output[at] = (byte)(word >> 24);
                output[at + 1] = (byte)(word >> 16);
                output[at + 2] = (byte)(word >> 8);
                output[at + 3] = (byte)word;
            }
        }

        /// <inheritdoc/>
        protected override void Compress(byte[] data, int offset)
        {
            // The two constants of every round live in locals: a 64-bit literal is 9 bytes of IL at each use.
            ulong r2 = 0x100000001UL;
            ulong m = 0xFFFFFFFFUL;
            ulong t;
            ulong[] k = RoundConstants;
            ulong[] s = _state;

            // The block's 16 big-endian words, doubled. One conversion per word (int to ulong): nanoCLR's are slow.
            ulong w0 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w1 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w2 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w3 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w4 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w5 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w6 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w7 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w8 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w9 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w10 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w11 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w12 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w13 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w14 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;
            offset += 4;
            ulong w15 = (ulong)(uint)((data[offset] << 24) | (data[offset + 1] << 16) | (data[offset + 2] << 8) | data[offset + 3]) * r2;

            ulong a = (s[0] & m) * r2;
            ulong b = (s[1] & m) * r2;
            ulong c = (s[2] & m) * r2;
            ulong d = (s[3] & m) * r2;
            ulong e = (s[4] & m) * r2;
            ulong f = (s[5] & m) * r2;
            ulong g = (s[6] & m) * r2;
            ulong h = (s[7] & m) * r2;

            // Sixteen rounds per pass, FIPS 180-4 §6.2.2 step 3 with the roles renamed instead of shifted: each round the
            // variable that played a plays b, the one that played b plays c, and so on, so after 8 rounds every name has
            // its original role again. T1 = h + Σ1(e) + Ch(e, f, g) + K + W; d += T1 becomes e; T1 + Σ0(a) + Maj(a, b, c)
            // becomes a. Ch is g ^ (e & (f ^ g)) and Maj is (a & b) | (c & (a | b)): fewer instructions, same values.
            // Round j of a pass reads w_j, so a pass is also one turn of the 16-word schedule window.
            for (int r = 0; ; r += 16)
            {
                t = h + ((e >> 6) ^ (e >> 11) ^ (e >> 25)) + (g ^ (e & (f ^ g))) + k[r] + w0;
                d = ((d + t) & m) * r2;
                h = ((t + ((a >> 2) ^ (a >> 13) ^ (a >> 22)) + ((a & b) | (c & (a | b)))) & m) * r2;
                t = g + ((d >> 6) ^ (d >> 11) ^ (d >> 25)) + (f ^ (d & (e ^ f))) + k[r + 1] + w1;
                c = ((c + t) & m) * r2;
                g = ((t + ((h >> 2) ^ (h >> 13) ^ (h >> 22)) + ((h & a) | (b & (h | a)))) & m) * r2;
                t = f + ((c >> 6) ^ (c >> 11) ^ (c >> 25)) + (e ^ (c & (d ^ e))) + k[r + 2] + w2;
                b = ((b + t) & m) * r2;
                f = ((t + ((g >> 2) ^ (g >> 13) ^ (g >> 22)) + ((g & h) | (a & (g | h)))) & m) * r2;
                t = e + ((b >> 6) ^ (b >> 11) ^ (b >> 25)) + (d ^ (b & (c ^ d))) + k[r + 3] + w3;
                a = ((a + t) & m) * r2;
                e = ((t + ((f >> 2) ^ (f >> 13) ^ (f >> 22)) + ((f & g) | (h & (f | g)))) & m) * r2;
                t = d + ((a >> 6) ^ (a >> 11) ^ (a >> 25)) + (c ^ (a & (b ^ c))) + k[r + 4] + w4;
                h = ((h + t) & m) * r2;
                d = ((t + ((e >> 2) ^ (e >> 13) ^ (e >> 22)) + ((e & f) | (g & (e | f)))) & m) * r2;
                t = c + ((h >> 6) ^ (h >> 11) ^ (h >> 25)) + (b ^ (h & (a ^ b))) + k[r + 5] + w5;
                g = ((g + t) & m) * r2;
                c = ((t + ((d >> 2) ^ (d >> 13) ^ (d >> 22)) + ((d & e) | (f & (d | e)))) & m) * r2;
                t = b + ((g >> 6) ^ (g >> 11) ^ (g >> 25)) + (a ^ (g & (h ^ a))) + k[r + 6] + w6;
                f = ((f + t) & m) * r2;
                b = ((t + ((c >> 2) ^ (c >> 13) ^ (c >> 22)) + ((c & d) | (e & (c | d)))) & m) * r2;
                t = a + ((f >> 6) ^ (f >> 11) ^ (f >> 25)) + (h ^ (f & (g ^ h))) + k[r + 7] + w7;
                e = ((e + t) & m) * r2;
                a = ((t + ((b >> 2) ^ (b >> 13) ^ (b >> 22)) + ((b & c) | (d & (b | c)))) & m) * r2;
                t = h + ((e >> 6) ^ (e >> 11) ^ (e >> 25)) + (g ^ (e & (f ^ g))) + k[r + 8] + w8;
                d = ((d + t) & m) * r2;
                h = ((t + ((a >> 2) ^ (a >> 13) ^ (a >> 22)) + ((a & b) | (c & (a | b)))) & m) * r2;
                t = g + ((d >> 6) ^ (d >> 11) ^ (d >> 25)) + (f ^ (d & (e ^ f))) + k[r + 9] + w9;
                c = ((c + t) & m) * r2;
                g = ((t + ((h >> 2) ^ (h >> 13) ^ (h >> 22)) + ((h & a) | (b & (h | a)))) & m) * r2;
                t = f + ((c >> 6) ^ (c >> 11) ^ (c >> 25)) + (e ^ (c & (d ^ e))) + k[r + 10] + w10;
                b = ((b + t) & m) * r2;
                f = ((t + ((g >> 2) ^ (g >> 13) ^ (g >> 22)) + ((g & h) | (a & (g | h)))) & m) * r2;
                t = e + ((b >> 6) ^ (b >> 11) ^ (b >> 25)) + (d ^ (b & (c ^ d))) + k[r + 11] + w11;
                a = ((a + t) & m) * r2;
                e = ((t + ((f >> 2) ^ (f >> 13) ^ (f >> 22)) + ((f & g) | (h & (f | g)))) & m) * r2;
                t = d + ((a >> 6) ^ (a >> 11) ^ (a >> 25)) + (c ^ (a & (b ^ c))) + k[r + 12] + w12;
                h = ((h + t) & m) * r2;
                d = ((t + ((e >> 2) ^ (e >> 13) ^ (e >> 22)) + ((e & f) | (g & (e | f)))) & m) * r2;
                t = c + ((h >> 6) ^ (h >> 11) ^ (h >> 25)) + (b ^ (h & (a ^ b))) + k[r + 13] + w13;
                g = ((g + t) & m) * r2;
                c = ((t + ((d >> 2) ^ (d >> 13) ^ (d >> 22)) + ((d & e) | (f & (d | e)))) & m) * r2;
                t = b + ((g >> 6) ^ (g >> 11) ^ (g >> 25)) + (a ^ (g & (h ^ a))) + k[r + 14] + w14;
                f = ((f + t) & m) * r2;
                b = ((t + ((c >> 2) ^ (c >> 13) ^ (c >> 22)) + ((c & d) | (e & (c | d)))) & m) * r2;
                t = a + ((f >> 6) ^ (f >> 11) ^ (f >> 25)) + (h ^ (f & (g ^ h))) + k[r + 15] + w15;
                e = ((e + t) & m) * r2;
                a = ((t + ((b >> 2) ^ (b >> 13) ^ (b >> 22)) + ((b & c) | (d & (b | c)))) & m) * r2;
                if (r == 48)
                {
                    break;
                }

                // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16] for the next pass, in place and in order: w_i holds
                // W[t-16] and becomes W[t], and each word read is then old or already new exactly as the formula needs.
                // σ's shift (not rotation) needs the clean word, hence the mask. The last pass needs no new words.
                w0 = ((w0 + ((w14 >> 17) ^ (w14 >> 19) ^ ((w14 & m) >> 10)) + w9 + ((w1 >> 7) ^ (w1 >> 18) ^ ((w1 & m) >> 3))) & m) * r2;
                w1 = ((w1 + ((w15 >> 17) ^ (w15 >> 19) ^ ((w15 & m) >> 10)) + w10 + ((w2 >> 7) ^ (w2 >> 18) ^ ((w2 & m) >> 3))) & m) * r2;
                w2 = ((w2 + ((w0 >> 17) ^ (w0 >> 19) ^ ((w0 & m) >> 10)) + w11 + ((w3 >> 7) ^ (w3 >> 18) ^ ((w3 & m) >> 3))) & m) * r2;
                w3 = ((w3 + ((w1 >> 17) ^ (w1 >> 19) ^ ((w1 & m) >> 10)) + w12 + ((w4 >> 7) ^ (w4 >> 18) ^ ((w4 & m) >> 3))) & m) * r2;
                w4 = ((w4 + ((w2 >> 17) ^ (w2 >> 19) ^ ((w2 & m) >> 10)) + w13 + ((w5 >> 7) ^ (w5 >> 18) ^ ((w5 & m) >> 3))) & m) * r2;
                w5 = ((w5 + ((w3 >> 17) ^ (w3 >> 19) ^ ((w3 & m) >> 10)) + w14 + ((w6 >> 7) ^ (w6 >> 18) ^ ((w6 & m) >> 3))) & m) * r2;
                w6 = ((w6 + ((w4 >> 17) ^ (w4 >> 19) ^ ((w4 & m) >> 10)) + w15 + ((w7 >> 7) ^ (w7 >> 18) ^ ((w7 & m) >> 3))) & m) * r2;
                w7 = ((w7 + ((w5 >> 17) ^ (w5 >> 19) ^ ((w5 & m) >> 10)) + w0 + ((w8 >> 7) ^ (w8 >> 18) ^ ((w8 & m) >> 3))) & m) * r2;
                w8 = ((w8 + ((w6 >> 17) ^ (w6 >> 19) ^ ((w6 & m) >> 10)) + w1 + ((w9 >> 7) ^ (w9 >> 18) ^ ((w9 & m) >> 3))) & m) * r2;
                w9 = ((w9 + ((w7 >> 17) ^ (w7 >> 19) ^ ((w7 & m) >> 10)) + w2 + ((w10 >> 7) ^ (w10 >> 18) ^ ((w10 & m) >> 3))) & m) * r2;
                w10 = ((w10 + ((w8 >> 17) ^ (w8 >> 19) ^ ((w8 & m) >> 10)) + w3 + ((w11 >> 7) ^ (w11 >> 18) ^ ((w11 & m) >> 3))) & m) * r2;
                w11 = ((w11 + ((w9 >> 17) ^ (w9 >> 19) ^ ((w9 & m) >> 10)) + w4 + ((w12 >> 7) ^ (w12 >> 18) ^ ((w12 & m) >> 3))) & m) * r2;
                w12 = ((w12 + ((w10 >> 17) ^ (w10 >> 19) ^ ((w10 & m) >> 10)) + w5 + ((w13 >> 7) ^ (w13 >> 18) ^ ((w13 & m) >> 3))) & m) * r2;
                w13 = ((w13 + ((w11 >> 17) ^ (w11 >> 19) ^ ((w11 & m) >> 10)) + w6 + ((w14 >> 7) ^ (w14 >> 18) ^ ((w14 & m) >> 3))) & m) * r2;
                w14 = ((w14 + ((w12 >> 17) ^ (w12 >> 19) ^ ((w12 & m) >> 10)) + w7 + ((w15 >> 7) ^ (w15 >> 18) ^ ((w15 & m) >> 3))) & m) * r2;
                w15 = ((w15 + ((w13 >> 17) ^ (w13 >> 19) ^ ((w13 & m) >> 10)) + w8 + ((w0 >> 7) ^ (w0 >> 18) ^ ((w0 & m) >> 3))) & m) * r2;
            }

            s[0] += a;
            s[1] += b;
            s[2] += c;
            s[3] += d;
            s[4] += e;
            s[5] += f;
            s[6] += g;
            s[7] += h;
        }
    }
}
