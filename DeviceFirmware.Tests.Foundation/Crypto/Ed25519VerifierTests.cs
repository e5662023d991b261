using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Ed25519VerifierTests
    {
        private const string Test2Public = "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=";
        private const string Test2Message = "cg==";
        private const string Test2R = "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbado=";
        private const string Test2S = "CFrB5D4VmW5FjzYT0PEdjDh7Lq60MCrusA0pFhK7DAA=";

        // The group order L, 32 bytes little-endian.
        private const string Order = "7dP1XBpjEljWnPei3vneFAAAAAAAAAAAAAAAAAAAABA=";

        // RFC 8032 §7.1 vectors, in base64 like every vector here (NFUnitTest's string table is limited), each signature as
        // R and S so that halves shared between vectors are stored once; TEST 1024 (a 1023-byte message) is in
        // Support/Rfc8032.cs.
        [DataRow("TEST 1", "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "", "5VZDAMNgrHKQhuLMgG6CioSHfx645dl02HPgZSJJAVU=", "X7iCFZCjO6zGHjlwHPm0a9Jb9fBZW74kZVFBQ456EAs=")]
        [DataRow("TEST 2", "TM0Imyj/ltqdtsNG7BFOD1uKMZ81q6Yk2oz27U+4pvs=", "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=", "cg==", "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbado=", "CFrB5D4VmW5FjzYT0PEdjDh7Lq60MCrusA0pFhK7DAA=")]
        [DataRow("TEST 3", "xaqN9D+fg3vtt0QvMdy3sWbThTUHbwlLhc46LgtEWPc=", "/FHNjmIYoaONpH7QAjDwWAgW7RO6MwOsXeuRFUiQgCU=", "r4I=", "YpHWV97sJAJIJ+acOr4BowzlSKKEdDpEXjaA19taw6w=", "GP+bU40W8pCuZ/dgmE3GWUp8FelxbtKNwCe+zuoexAo=")]
        [DataRow("TEST SHA(abc)", "gz/mJAkje51i7HdYdSCRHpp1nOwdGXVbfakBuW3KPUI=", "7Bcrk61eVjv0kyxw4SRQNMNUZ+8u/U1k6/gZaDRn4r8=", "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==", "3CpEWec2ljOlKxvyd4OaACAQCaPvvz7Lab6iGGwmtYk=", "CTUfyayQs+z9+8fGZDHgMD3KF5wTisF62b7xF3MxpwQ=")]
        public void Verify_Rfc8032Vectors_AreValid(string name, string seedBase64, string publicBase64, string messageBase64, string rBase64, string sBase64)
        {
            Ed25519Status status = Verify(publicBase64, TestBase64.Decode(messageBase64), Rfc8032.Signature(rBase64, sBase64));
            Assert.AreEqual((int)Ed25519Status.Valid, (int)status, name);
        }

        [TestMethod]
        public void Verify_Rfc8032Test1024_IsValid()
        {
            Ed25519Status status = Verify(Rfc8032.Test1024Public, Rfc8032.Test1024Message(), Rfc8032.Signature(Rfc8032.Test1024R, Rfc8032.Test1024S));
            Assert.AreEqual((int)Ed25519Status.Valid, (int)status);
        }

        // Edge cases from novifinancial/ed25519-speccheck and C2SP/CCTV, plus three built for off-curve points and S + L.
        // The expected value applies this verifier's policy; OpenSSL accepts speccheck-0, -1, -11, cctv-303 and cctv-310
        // because it checks neither the order nor the canonical encoding of A.
        [DataRow("speccheck-0", "xxdqcD1N2E+6PAt2DRBnDyogU/osOczGTsf9d5KsA/o=", "jJMlXXHcqxDo83nCYgDzx71fCdm8MGjT707etIUwIrY=", "xxdqcD1N2E+6PAt2DRBnDyogU/osOczGTsf9d5KsA3o=", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", (int)Ed25519Status.SmallOrderPublicKey)]
        [DataRow("speccheck-1", "xxdqcD1N2E+6PAt2DRBnDyogU/osOczGTsf9d5KsA/o=", "m9n0T03Mdb1TG1ayzSgLC7OPwc1tEjDhSGHYYd4JLnk=", "97rexbir6vaZWDmSIZt7Ij8d8/u+qRmETj98VUpD3UM=", "pbtwR4a+efxHb5HT8/ibA5hNgGjc8bt9/GY3tFRQrAQ=", (int)Ed25519Status.SmallOrderPublicKey)]
        [DataRow("speccheck-2", "97rexbir6vaZWDmSIZt7Ij8d8/u+qRmETj98VUpD3UM=", "rr8/JgGgyMXTnMfYkRZC90C3gWghjahHF3KzX501uas=", "xxdqcD1N2E+6PAt2DRBnDyogU/osOczGTsf9d5KsA/o=", "jEvUWuyspbJPuXvBCsJ6yHUaff4br/i5U+yfWDPKJg4=", (int)Ed25519Status.Valid)]
        [DataRow("speccheck-3", "zbJnzkDFzUUwb6XS8pcxRZOH2/nrkzt71a7Zp2W4jU0=", "m9n0T03Mdb1TG1ayzSgLC7OPwc1tEjDhSGHYYd4JLnk=", "kEamR1BESTjeGfInu4BIXpK4P9tLZQbBYEhMAWzBhS8=", "h5CeFEKKeh1i6fIvPTrXgC2wLrLmiLbFL81mSKmL0Ak=", (int)Ed25519Status.Valid)]
        [DataRow("speccheck-4", "zbJnzkDFzUUwb6XS8pcxRZOH2/nrkzt71a7Zp2W4jU0=", "5H1ixj+DDcemhRoLHzOuS7L1B/ts/+xAEerM1VtT9Ww=", "FgocsNycAljNCn0j6U2PqHi8sZJfLGQkay3uF5a+1RI=", "Xsa8mComm3I+BmjlQJEammpYkh1pJeQ0qxCqeUBVGgk=", (int)Ed25519Status.Mismatch)]
        [DataRow("speccheck-5", "zbJnzkDFzUUwb6XS8pcxRZOH2/nrkzt71a7Zp2W4jU0=", "5H1ixj+DDcemhRoLHzOuS7L1B/ts/+xAEerM1VtT9Ww=", "IRIqhOC1/KQFL1sSNcgKU3h4s48xQjVrLCOE661GaLc=", "5AvINtrA9xB2+avjpT+cA8HO7t22WNADBJSs5YZodAU=", (int)Ed25519Status.Mismatch)]
        [DataRow("speccheck-6", "RCqtnwia2eFGR7HvkJmh/0eY14WJ5m8o7KacEfWCpiM=", "heJBoH0Ui0HkfWLGP4MNx6aFGgsfM65LsvUH+2z/7EA=", "6W9mvpdtguYBULrs/5kGaErrse8YH2enGJrHjqI7bA4=", "VH92kKDi3c0E2H28NJDcGbOzBS9/8FOMtor7NpujpRQ=", (int)Ed25519Status.ScalarOutOfRange)]
        [DataRow("speccheck-7", "RCqtnwia2eFGR7HvkJmh/0eY14WJ5m8o7KacEfWCpiM=", "heJBoH0Ui0HkfWLGP4MNx6aFGgsfM65LsvUH+2z/7EA=", "jOW5bI8m0KtsR5WMnmi5NxBM024TwzVmrNL+jTiqGUI=", "fnH5ikc0dPLxPwb5fCDVjMP1S4vQ0nL0K2ld1+iajCI=", (int)Ed25519Status.ScalarOutOfRange)]
        [DataRow("speccheck-8", "97rexbir6vaZWDmSIZt7Ij8d8/u+qRmETj98VUpD3UM=", "m+3CZ0I3JdRziIYx6/RZiLrT24OFHuhcheJBoH0Ui0E=", "7P////////////////////////////////////////8=", "A76WeKwQLtzZKwIQuzTXQo0S/8XfXzfjWZQSZqTjXw8=", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("speccheck-9", "97rexbir6vaZWDmSIZt7Ij8d8/u+qRmETj98VUpD3UM=", "m+3CZ0I3JdRziIYx6/RZiLrT24OFHuhcheJBoH0Ui0E=", "7P////////////////////////////////////////8=", "yoxbZM0giYKqONSTZiGkd1qiM6oFBXEdj9z9qpQ9SQg=", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("speccheck-10", "7P////////////////////////////////////////8=", "6WtwIes5waFjttpOMJPc0/ITh9pMxFcr5Yj6+uI8FVs=", "qdVSYPdlJh65uE4Qb2ZeALhnKHp2GZDXE1lj7gp9Wdw=", "pbtwR4a+efxHb5HT8/ibA5hNgGjc8bt9/GY3tFRQrAQ=", (int)Ed25519Status.NonCanonicalPublicKey)]
        [DataRow("speccheck-11", "7P////////////////////////////////////////8=", "OaWR9TIbvgf9WiPcLznQJddFJmFXRnJ87v1ugq5lwG8=", "qdVSYPdlJh65uE4Qb2ZeALhnKHp2GZDXE1lj7gp9Wdw=", "pbtwR4a+efxHb5HT8/ibA5hNgGjc8bt9/GY3tFRQrAQ=", (int)Ed25519Status.NonCanonicalPublicKey)]
        [DataRow("cctv-305", "73WyDnVA49/3dAQZNlK6K9E9+ZwVCO7hUV4nriXygHY=", "ZWQyNTUxOXZlY3RvcnMgNQ==", "tiz4kN5CxBOxGxQRyfAfHE13qofvGCJY0SUfaa8qNQY=", "QGV/HLAw8SVDVJu6vYSNxkA9NU58mcTQ3O6fY8kDOwA=", (int)Ed25519Status.Valid)]
        [DataRow("cctv-304", "73WyDnVA49/3dAQZNlK6K9E9+ZwVCO7hUV4nriXygHY=", "ZWQyNTUxOXZlY3RvcnMgNw==", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "Mwsw1sHwdRHiII0jO2o01O1xCdot6mFbzZfa7jqEJwQ=", (int)Ed25519Status.Valid)]
        [DataRow("cctv-303", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "ZWQyNTUxOXZlY3RvcnMgNQ==", "tiz4kN5CxBOxGxQRyfAfHE13qofvGCJY0SUfaa8qNQY=", "BbqaeWJ02AQ3r6NvEjZWPy87CqhM7N3D0gkUYVuk/gI=", (int)Ed25519Status.SmallOrderPublicKey)]
        [DataRow("cctv-310", "7v///////////////////////////////////////38=", "ZWQyNTUxOXZlY3RvcnMgMQ==", "tiz4kN5CxBOxGxQRyfAfHE13qofvGCJY0SUfaa8qNQY=", "BbqaeWJ02AQ3r6NvEjZWPy87CqhM7N3D0gkUYVuk/gI=", (int)Ed25519Status.NonCanonicalPublicKey)]
        [DataRow("cctv-316", "73WyDnVA49/3dAQZNlK6K9E9+ZwVCO7hUV4nriXygHY=", "ZWQyNTUxOXZlY3RvcnMgNQ==", "AQAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIA=", "LTL57syqMdui/0q04Za2Hi7hZIBzu7X1mdz/T36gKQA=", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("cctv-319", "73WyDnVA49/3dAQZNlK6K9E9+ZwVCO7hUV4nriXygHY=", "ZWQyNTUxOXZlY3RvcnMgNg==", "7v///////////////////////////////////////38=", "Nnt6kv6oU56Hk8+BLnmejtNCxjVZLnQyOo39OKBq6gs=", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("cctv-50", "EOt8Os+yvtPg1quJv1o9av3dEXbOSBLjjZ/UhQWP2x8=", "ZWQyNTUxOXZlY3RvcnMgNQ==", "tiz4kN5CxBOxGxQRyfAfHE13qofvGCJY0SUfaa8qNQY=", "CPMtIGp8C376mlnmZUbo8fWZ74Q/tQLJzDxK6LfBHgU=", (int)Ed25519Status.Valid)]
        [DataRow("cctv-51", "EOt8Os+yvtPg1quJv1o9av3dEXbOSBLjjZ/UhQWP2x8=", "ZWQyNTUxOXZlY3RvcnMgMw==", "tiz4kN5CxBOxGxQRyfAfHE13qofvGCJY0SUfaa8qNQY=", "AwsDeWt496/q38yu3J0Jzm1IfR7OHxaxritZt+XEBgM=", (int)Ed25519Status.Mismatch)]
        [DataRow("synthetic-S-plus-L", "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=", "cg==", "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbado=", "9S23QVl4q8YbLC62ruv8oDh7Lq60MCrusA0pFhK7DBA=", (int)Ed25519Status.ScalarOutOfRange)]
        [DataRow("synthetic-A-not-on-curve", "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "cg==", "kqAJqfDUyrhyDoILX2QlQKKye1QWUD+Ps3YiI+vbado=", "CFrB5D4VmW5FjzYT0PEdjDh7Lq60MCrusA0pFhK7DAA=", (int)Ed25519Status.PublicKeyNotOnCurve)]
        [DataRow("synthetic-R-not-on-curve", "PUAXw+hDiVqStwqnTRt+vJyYLM8uxJaMwM1V8Sr0Zgw=", "cg==", "AgAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", "CFrB5D4VmW5FjzYT0PEdjDh7Lq60MCrusA0pFhK7DAA=", (int)Ed25519Status.RNotOnCurve)]
        public void Verify_EdgeCaseVectors_GiveThePolicyResult(string name, string publicBase64, string messageBase64, string rBase64, string sBase64, int expected)
        {
            Ed25519Status status = Verify(publicBase64, TestBase64.Decode(messageBase64), Rfc8032.Signature(rBase64, sBase64));
            Assert.AreEqual(expected, (int)status, name);
        }

        [TestMethod]
        public void Verify_EveryBitFlipInTheSignature_IsRejected()
        {
            Ed25519Verifier verifier = new Ed25519Verifier();
            byte[] publicKey = TestBase64.Decode(Test2Public);
            byte[] message = TestBase64.Decode(Test2Message);
            byte[] signature = Rfc8032.Signature(Test2R, Test2S);
            for (int bit = 0; bit < 512; bit++)
            {
                signature[bit >> 3] ^= (byte)(1 << (bit & 7));
                Ed25519Status status = verifier.Verify(publicKey, message, 0, message.Length, signature);
                signature[bit >> 3] ^= (byte)(1 << (bit & 7));
                Assert.AreNotEqual((int)Ed25519Status.Valid, (int)status, "bit " + bit);
            }

            Ed25519Status restored = verifier.Verify(publicKey, message, 0, message.Length, signature);
            Assert.AreEqual((int)Ed25519Status.Valid, (int)restored);
        }

        [TestMethod]
        public void Verify_EveryBitFlipInTheKeyOrMessage_IsRejected()
        {
            Ed25519Verifier verifier = new Ed25519Verifier();
            byte[] publicKey = TestBase64.Decode(Test2Public);
            byte[] message = TestBase64.Decode(Test2Message);
            byte[] signature = Rfc8032.Signature(Test2R, Test2S);
            for (int bit = 0; bit < 256; bit++)
            {
                publicKey[bit >> 3] ^= (byte)(1 << (bit & 7));
                Ed25519Status status = verifier.Verify(publicKey, message, 0, message.Length, signature);
                publicKey[bit >> 3] ^= (byte)(1 << (bit & 7));
                Assert.AreNotEqual((int)Ed25519Status.Valid, (int)status, "key bit " + bit);
            }

            for (int bit = 0; bit < 8; bit++)
            {
                message[0] ^= (byte)(1 << bit);
                Ed25519Status status = verifier.Verify(publicKey, message, 0, message.Length, signature);
                message[0] ^= (byte)(1 << bit);
                Assert.AreEqual((int)Ed25519Status.Mismatch, (int)status, "message bit " + bit);
            }
        }

        [TestMethod]
        public void Verify_WrongLengths_AreRejected()
        {
            Ed25519Verifier verifier = new Ed25519Verifier();
            byte[] message = TestBase64.Decode(Test2Message);
            byte[] signature = Rfc8032.Signature(Test2R, Test2S);
            byte[] publicKey = TestBase64.Decode(Test2Public);
            Ed25519Status status = verifier.Verify(publicKey, message, 0, 1, new byte[63]);
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)status);
            status = verifier.Verify(publicKey, message, 0, 1, new byte[65]);
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)status);
            status = verifier.Verify(new byte[31], message, 0, 1, signature);
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)status);
            status = verifier.Verify(null, message, 0, 1, signature);
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)status);
            status = verifier.Verify(publicKey, message, 0, 1, null);
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)status);
        }

        [TestMethod]
        public void Verify_ScalarEqualToOrder_IsOutOfRange()
        {
            byte[] signature = Rfc8032.Signature(Test2R, Test2S);
            System.Array.Copy(TestBase64.Decode(Order), 0, signature, 32, 32);
            byte[] message = TestBase64.Decode(Test2Message);
            Ed25519Status status = new Ed25519Verifier().Verify(TestBase64.Decode(Test2Public), message, 0, 1, signature);
            Assert.AreEqual((int)Ed25519Status.ScalarOutOfRange, (int)status);
        }

        [TestMethod]
        public void Verify_ScalarsJustBelowTheOrder_PassTheRangeCheck()
        {
            // L - 1 (differs from L in its lowest byte only) and 2^252 (L's top byte, zeros below): both below L, so the
            // equation decides, not the malleability check.
            Ed25519Verifier verifier = new Ed25519Verifier();
            byte[] message = TestBase64.Decode(Test2Message);
            byte[] signature = Rfc8032.Signature(Test2R, Test2S);
            System.Array.Copy(TestBase64.Decode(Order), 0, signature, 32, 32);
            signature[32]--;
            Ed25519Status lMinusOne = verifier.Verify(TestBase64.Decode(Test2Public), message, 0, 1, signature);
            System.Array.Clear(signature, 32, 32);
            signature[63] = 0x10;
            Ed25519Status twoTo252 = verifier.Verify(TestBase64.Decode(Test2Public), message, 0, 1, signature);
            Assert.AreEqual((int)Ed25519Status.Mismatch, (int)lMinusOne);
            Assert.AreEqual((int)Ed25519Status.Mismatch, (int)twoTo252);
        }

        [TestMethod]
        public void Verify_AtOffsets_SameAsAtZero()
        {
            byte[] publicKey = new byte[40];
            byte[] signature = new byte[70];
            byte[] message = new byte[5];
            System.Array.Copy(TestBase64.Decode(Test2Public), 0, publicKey, 7, 32);
            System.Array.Copy(Rfc8032.Signature(Test2R, Test2S), 0, signature, 3, 64);
            message[2] = 0x72;
            Ed25519Verifier verifier = new Ed25519Verifier();
            Ed25519Status status = verifier.Verify(publicKey, 7, message, 2, 1, signature, 3);
            Assert.AreEqual((int)Ed25519Status.Valid, (int)status);
            status = verifier.Verify(publicKey, 7, message, 1, 1, signature, 3);
            Assert.AreEqual((int)Ed25519Status.Mismatch, (int)status);
        }

        [TestMethod]
        public void Verify_RangeOutsideBuffer_Throws()
        {
            Ed25519Verifier verifier = new Ed25519Verifier();
            System.Action verifyKeyPastTheEnd = () => verifier.Verify(new byte[32], 1, new byte[1], 0, 1, new byte[64], 0);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), verifyKeyPastTheEnd);

            // S out of range answers before anything reads the other buffers: the ranges are checked first all the same.
            byte[] badS = new byte[64];
            for (int i = 31; i < 64; i++)
            {
                badS[i] = 0xff;
            }

            System.Type range = typeof(System.ArgumentOutOfRangeException);
            Assert.ThrowsException(range, () => verifier.Verify(new byte[32], 1, new byte[1], 0, 1, badS, 0));
            Assert.ThrowsException(range, () => verifier.Verify(new byte[32], 0, new byte[1], 1, 1, badS, 0));
            Assert.ThrowsException(range, () => verifier.Verify(new byte[32], 0, new byte[1], 0, 1, badS, -1));
        }

        private static Ed25519Status Verify(string publicBase64, byte[] message, byte[] signature)
        {
            return new Ed25519Verifier().Verify(TestBase64.Decode(publicBase64), message, 0, message.Length, signature);
        }
    }
}
