namespace SecureDevice.Core.Crypto
{
    /// <summary>
    /// Group operations on edwards25519 (-x^2 + y^2 = 1 + d x^2 y^2 over GF(2^255 - 19)), with all temporaries held by the
    /// instance so that no operation allocates. One instance serves one thread.
    /// <para>
    /// Addition uses the unified extended-coordinate formulas of Hisil, Wong, Carter and Dawson (2008), which are complete on
    /// this curve (a = -1 is a square and d is not), so the identity and doubling need no special cases.
    /// </para>
    /// </summary>
    public sealed class Ed25519Group
    {
        /// <summary>Encoded size of a point or scalar in bytes.</summary>
        public const int EncodedSize = 32;

        /// <summary>Number of entries in a 4-bit window table: multiples 0..15 of a point.</summary>
        public const int WindowTableSize = 16;

        /// <summary>Number of entries in an odd-multiples table: 1, 3, 5, .., 15 times a point (width-5 NAF digits).</summary>
        public const int OddTableSize = 8;

        // Little-endian encodings of the curve constant d = -121665/121666, 2d and sqrt(-1) = 2^((p-1)/4).
        private static readonly byte[] EncodedD = new byte[]
        {
            163, 120, 89, 19, 202, 77, 235, 117, 171, 216, 65, 65, 77, 10, 112, 0,
            152, 232, 121, 119, 121, 64, 199, 140, 115, 254, 111, 43, 238, 108, 3, 82,
        };

        private static readonly byte[] EncodedDoubleD = new byte[]
        {
            89, 241, 178, 38, 148, 155, 214, 235, 86, 177, 131, 130, 154, 20, 224, 0,
            48, 209, 243, 238, 242, 128, 142, 25, 231, 252, 223, 86, 220, 217, 6, 36,
        };

        private static readonly byte[] EncodedSquareRootOfMinusOne = new byte[]
        {
            176, 160, 14, 74, 39, 27, 238, 196, 120, 228, 47, 173, 6, 24, 67, 47,
            167, 215, 251, 61, 153, 0, 77, 43, 11, 223, 193, 79, 128, 36, 131, 43,
        };

        /// <summary>Encoding of the base point B (y = 4/5, x even), RFC 8032 §5.1.</summary>
        public static readonly byte[] EncodedBasePoint = new byte[]
        {
            0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
            0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
        };

        private static readonly long[] CurveD;
        private static readonly long[] CurveDoubleD;
        private static readonly long[] SquareRootOfMinusOne;
        // Odd multiples 1·B .. 15·B of the base point, for verification: half the memory of all 16 multiples, which only the
        // signer (host side) needs and builds for itself.
        private static readonly Ed25519CachedPoint[] BaseOddTable;

        private readonly long[] _a = Field25519.Create();
        private readonly long[] _b = Field25519.Create();
        private readonly long[] _c = Field25519.Create();
        private readonly long[] _d = Field25519.Create();
        private readonly long[] _e = Field25519.Create();
        private readonly long[] _f = Field25519.Create();
        private readonly long[] _g = Field25519.Create();
        private readonly long[] _h = Field25519.Create();
        private readonly long[] _t0 = Field25519.Create();
        private readonly long[] _t1 = Field25519.Create();
        private readonly long[] _t2 = Field25519.Create();
        private readonly long[] _t3 = Field25519.Create();
        private readonly long[] _bytesScratchElement = Field25519.Create();
        private readonly byte[] _bytesScratch = new byte[EncodedSize];
        private readonly Ed25519Point _running = new Ed25519Point();
        private readonly Ed25519CachedPoint _selected = new Ed25519CachedPoint();
        private readonly sbyte[] _digitsA = new sbyte[Ed25519ScalarDigits.DigitCount];
        private readonly sbyte[] _digitsB = new sbyte[Ed25519ScalarDigits.DigitCount];

        static Ed25519Group()
        {
            CurveD = Field25519.Create();
            CurveDoubleD = Field25519.Create();
            SquareRootOfMinusOne = Field25519.Create();
            Field25519Encoding.FromBytes(CurveD, EncodedD, 0);
            Field25519Encoding.FromBytes(CurveDoubleD, EncodedDoubleD, 0);
            Field25519Encoding.FromBytes(SquareRootOfMinusOne, EncodedSquareRootOfMinusOne, 0);

            Ed25519Group group = new Ed25519Group();
            Ed25519Point basePoint = new Ed25519Point();
            group.TryDecode(basePoint, EncodedBasePoint, 0);
            BaseOddTable = NewTable(OddTableSize);
            group.FillOddTable(BaseOddTable, basePoint);
        }

        /// <summary>
        /// Allocates a table of <paramref name="size"/> cached points (set-up time only): <see cref="WindowTableSize"/> for
        /// <see cref="FillWindowTable"/>, <see cref="OddTableSize"/> for <see cref="FillOddTable"/>.
        /// </summary>
        public static Ed25519CachedPoint[] NewTable(int size)
        {
            Ed25519CachedPoint[] table = new Ed25519CachedPoint[size];
            for (int i = 0; i < size; i++)
            {
                table[i] = new Ed25519CachedPoint();
            }

            return table;
        }

        /// <summary>
        /// Decodes a 32-byte point encoding into <paramref name="point"/> (RFC 8032 §5.1.3), strictly: a y that is not
        /// below p, or x = 0 with the sign bit set, is <see cref="Ed25519DecodeStatus.NonCanonical"/>.
        /// On failure <paramref name="point"/> holds garbage.
        /// </summary>
        public Ed25519DecodeStatus TryDecode(Ed25519Point point, byte[] encoded, int offset)
        {
            ByteRange.Check(encoded, offset, EncodedSize);
            if (!Field25519Encoding.IsCanonicalEncoding(encoded, offset))
            {
                return Ed25519DecodeStatus.NonCanonical;
            }

            bool signBit = (encoded[offset + 31] & 0x80) != 0;
            long[] y = point.Y;
            long[] x = point.X;
            Field25519Encoding.FromBytes(y, encoded, offset);
            Field25519.SetOne(point.Z);

            // u = y^2 - 1, v = d y^2 + 1, candidate x = u v^3 (u v^7)^((p-5)/8).
            Field25519.Square(_a, y);
            Field25519.Subtract(_b, _a, point.Z);                 // u
            Field25519.Multiply(_c, _a, CurveD);
            Field25519.Add(_c, _c, point.Z);                      // v
            Field25519.Square(_d, _c);
            Field25519.Multiply(_d, _d, _c);                      // v^3
            Field25519.Square(_e, _d);
            Field25519.Multiply(_e, _e, _c);                      // v^7
            Field25519.Multiply(_e, _e, _b);                      // u v^7
            Field25519.PowerP58(_f, _e, _t0, _t1, _t2, _t3);
            Field25519.Multiply(_f, _f, _d);
            Field25519.Multiply(x, _f, _b);                       // u v^3 (u v^7)^((p-5)/8)

            Field25519.Square(_g, x);
            Field25519.Multiply(_g, _g, _c);                      // v x^2
            Field25519.Subtract(_h, _g, _b);
            if (!Field25519Encoding.IsZero(_h, _bytesScratch, _bytesScratchElement))
            {
                Field25519.Add(_h, _g, _b);
                if (!Field25519Encoding.IsZero(_h, _bytesScratch, _bytesScratchElement))
                {
                    return Ed25519DecodeStatus.NotOnCurve;
                }

                Field25519.Multiply(x, x, SquareRootOfMinusOne);
            }

            if (Field25519Encoding.IsZero(x, _bytesScratch, _bytesScratchElement))
            {
                if (signBit)
                {
                    return Ed25519DecodeStatus.NonCanonical;
                }
            }
            else if (Field25519Encoding.IsNegative(x, _bytesScratch, _bytesScratchElement) != signBit)
            {
                Field25519.Negate(x, x);
                Field25519.Carry(x, x);
            }

            Field25519.Multiply(point.T, x, y);
            return Ed25519DecodeStatus.Decoded;
        }

        /// <summary>Writes the canonical 32-byte encoding of <paramref name="point"/>.</summary>
        public void Encode(byte[] destination, int offset, Ed25519Point point)
        {
            ByteRange.Check(destination, offset, EncodedSize);
            Field25519.Invert(_a, point.Z, _t0, _t1, _t2, _t3);
            Field25519.Multiply(_b, point.X, _a);
            Field25519.Multiply(_c, point.Y, _a);
            Field25519Encoding.ToBytes(destination, offset, _c, _bytesScratchElement);
            if (Field25519Encoding.IsNegative(_b, _bytesScratch, _bytesScratchElement))
            {
                destination[offset + 31] |= 0x80;
            }
        }

        /// <summary>
        /// result = p + q, or p - q when <paramref name="subtract"/> is set. <paramref name="result"/> may be <paramref name="p"/>.
        /// </summary>
        public void Add(Ed25519Point result, Ed25519Point p, Ed25519CachedPoint q, bool subtract)
        {
            // add-2008-hwcd-3: A = (Y1-X1)(Y2-X2), B = (Y1+X1)(Y2+X2), C = T1·2dT2, D = Z1·2Z2. -q is (Y2-X2, Y2+X2, 2Z2, -2dT2):
            // its A and B swap operands and C changes sign, which swaps F = D - C and G = D + C.
            Field25519.Subtract(_e, p.Y, p.X);
            Field25519.Multiply(_a, _e, subtract ? q.YPlusX : q.YMinusX);
            Field25519.Add(_e, p.Y, p.X);
            Field25519.Multiply(_b, _e, subtract ? q.YMinusX : q.YPlusX);
            Field25519.Multiply(_c, p.T, q.DoubleDT);
            Field25519.Multiply(_d, p.Z, q.DoubleZ);
            Field25519.Subtract(_e, _b, _a);
            Field25519.Add(_h, _b, _a);
            if (subtract)
            {
                Field25519.Add(_f, _d, _c);
                Field25519.Subtract(_g, _d, _c);
            }
            else
            {
                Field25519.Subtract(_f, _d, _c);
                Field25519.Add(_g, _d, _c);
            }

            Field25519.Multiply(result.X, _e, _f);
            Field25519.Multiply(result.Y, _g, _h);
            Field25519.Multiply(result.T, _e, _h);
            Field25519.Multiply(result.Z, _f, _g);
        }

        /// <summary>
        /// result = 2p. <paramref name="result"/> may be <paramref name="p"/>. T of the result is computed only when
        /// <paramref name="withT"/> is set: doubling never reads T, only <see cref="Add"/> does, so a doubling followed by
        /// another doubling skips one multiplication.
        /// </summary>
        public void Double(Ed25519Point result, Ed25519Point p, bool withT)
        {
            // dbl-2008-hwcd with a = -1, in ref10's order: XX = X^2, YY = Y^2, C = 2Z^2, E = (X+Y)^2 - XX - YY, G = YY - XX,
            // F = G - C, H = -XX - YY; X3 = E·F, Y3 = G·H, T3 = E·H, Z3 = F·G. Computing with -F and -H instead negates all
            // four coordinates, the same projective point, and saves a negation.
            Field25519.Square(_a, p.X);
            Field25519.Square(_b, p.Y);
            Field25519.Square(_c, p.Z);
            Field25519.Add(_c, _c, _c);
            Field25519.Add(_e, p.X, p.Y);
            Field25519.Square(_e, _e);
            Field25519.Add(_h, _b, _a);          // -H
            Field25519.Subtract(_g, _b, _a);     // G
            Field25519.Subtract(_e, _e, _h);     // E
            Field25519.Subtract(_f, _c, _g);     // -F
            Field25519.Multiply(result.X, _e, _f);
            Field25519.Multiply(result.Y, _h, _g);
            Field25519.Multiply(result.Z, _f, _g);
            if (withT)
            {
                Field25519.Multiply(result.T, _e, _h);
            }
        }

        /// <summary>result = -p. <paramref name="result"/> may be <paramref name="p"/>.</summary>
        public void Negate(Ed25519Point result, Ed25519Point p)
        {
            Field25519.Negate(result.X, p.X);
            Field25519.Carry(result.X, result.X);
            Field25519.Copy(result.Y, p.Y);
            Field25519.Copy(result.Z, p.Z);
            Field25519.Negate(result.T, p.T);
            Field25519.Carry(result.T, result.T);
        }

        /// <summary>Writes the cached form of <paramref name="p"/> into <paramref name="result"/>.</summary>
        public void ToCached(Ed25519CachedPoint result, Ed25519Point p)
        {
            Field25519.Add(result.YPlusX, p.Y, p.X);
            Field25519.Subtract(result.YMinusX, p.Y, p.X);
            Field25519.Add(result.DoubleZ, p.Z, p.Z);
            Field25519.Multiply(result.DoubleDT, p.T, CurveDoubleD);
        }

        /// <summary>Fills <paramref name="table"/> (16 entries) with the cached multiples 0·p .. 15·p.</summary>
        public void FillWindowTable(Ed25519CachedPoint[] table, Ed25519Point p)
        {
            table[0].SetIdentity();
            ToCached(table[1], p);
            _running.CopyFrom(p);
            for (int i = 2; i < WindowTableSize; i++)
            {
                Add(_running, _running, table[1], false);
                ToCached(table[i], _running);
            }
        }

        /// <summary>Fills <paramref name="table"/> (8 entries) with the cached odd multiples 1·p, 3·p, .., 15·p.</summary>
        public void FillOddTable(Ed25519CachedPoint[] table, Ed25519Point p)
        {
            Double(_running, p, true);
            ToCached(_selected, _running);
            ToCached(table[0], p);
            _running.CopyFrom(p);
            for (int i = 1; i < OddTableSize; i++)
            {
                Add(_running, _running, _selected, false);
                ToCached(table[i], _running);
            }
        }

        /// <summary>True when p is the neutral element.</summary>
        public bool IsIdentity(Ed25519Point p)
        {
            // X = 0 and Y = Z, compared as canonical encodings.
            if (!Field25519Encoding.IsZero(p.X, _bytesScratch, _bytesScratchElement))
            {
                return false;
            }

            Field25519.Subtract(_a, p.Y, p.Z);
            return Field25519Encoding.IsZero(_a, _bytesScratch, _bytesScratchElement);
        }

        /// <summary>True when p has order 1, 2, 4 or 8 (8p is the neutral element).</summary>
        public bool IsSmallOrder(Ed25519Point p)
        {
            Double(_running, p, false);
            Double(_running, _running, false);
            Double(_running, _running, false);
            return IsIdentity(_running);
        }

        /// <summary>
        /// Variable time: result = [a]·P + [b]·B, where <paramref name="oddTableP"/> holds the odd multiples of P
        /// (<see cref="FillOddTable"/>) and B is the base point. a and b are 32-byte little-endian scalars below 2^255.
        /// Only for public inputs (signature verification).
        /// </summary>
        public void DoubleScalarMultiplyVariableTime(
            Ed25519Point result,
            byte[] a,
            int aOffset,
            Ed25519CachedPoint[] oddTableP,
            byte[] b,
            int bOffset)
        {
            // Both scalars as width-5 NAF: odd digits in [-15, 15], at least 4 zeros after each non-zero one, so about 43 additions
            // per scalar instead of the 60 of fixed 4-bit windows, with half the table. One shared chain of doublings (Straus).
            int top = Ed25519ScalarDigits.Recode(a, aOffset, _digitsA);
            int topB = Ed25519ScalarDigits.Recode(b, bOffset, _digitsB);
            if (topB > top)
            {
                top = topB;
            }

            result.SetIdentity();
            for (int i = top; i >= 0; i--)
            {
                int digitA = _digitsA[i];
                int digitB = _digitsB[i];
                if (i != top)
                {
                    Double(result, result, digitA != 0 || digitB != 0);
                }

                if (digitA != 0)
                {
                    Add(result, result, oddTableP[(digitA < 0 ? -digitA : digitA) >> 1], digitA < 0);
                }

                if (digitB != 0)
                {
                    Add(result, result, BaseOddTable[(digitB < 0 ? -digitB : digitB) >> 1], digitB < 0);
                }
            }
        }

        /// <summary>
        /// result = [s]·B for a secret 32-byte little-endian scalar s below 2^256, with <paramref name="baseWindowTable"/> the
        /// multiples 0·B .. 15·B (<see cref="FillWindowTable"/> of <see cref="EncodedBasePoint"/>). The sequence of operations
        /// and memory accesses does not depend on s: every window does four doublings, scans the whole table with masked
        /// copies and adds.
        /// </summary>
        public void ScalarMultiplyBase(Ed25519Point result, byte[] s, int offset, Ed25519CachedPoint[] baseWindowTable)
        {
            ByteRange.Check(s, offset, EncodedSize);
            result.SetIdentity();
            for (int window = 63; window >= 0; window--)
            {
                Double(result, result, false);
                Double(result, result, false);
                Double(result, result, false);
                Double(result, result, true);
                int nibble = Ed25519ScalarDigits.Nibble(s, offset, window);
                _selected.SetIdentity();
                for (int i = 1; i < WindowTableSize; i++)
                {
                    // choice is 1 exactly when i == nibble, computed without a branch.
                    int difference = i ^ nibble;
                    int choice = (int)(((uint)difference - 1) >> 31);
                    _selected.ConditionalCopy(baseWindowTable[i], choice);
                }

                Add(result, result, _selected, false);
            }
        }
    }
}
