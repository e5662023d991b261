using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class DelegationParserTests
    {
        [TestMethod]
        public void TryParse_ValidDelegation_ReadsEveryField()
        {
            TestBundle bundle = new TestBundle(new TestRandom(21));
            bundle.MinSecurityVersion = 2;
            bundle.DelegationProducts = "\"sensor\",\"gateway\"";
            byte[] file = bundle.Delegation();
            Delegation delegation;
            DelegationParser parser = new DelegationParser();
            DocumentStatus status = parser.TryParse(file, 0, file.Length, out delegation);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status);
            Assert.AreEqual("release-2026", delegation.KeyId);
            CollectionAssert.AreEqual(bundle.SigningKey.PublicKey, delegation.PublicKey);
            Assert.AreEqual(TestBundle.Year2026, delegation.NotBeforeUnixSeconds);
            Assert.AreEqual(TestBundle.Year2028, delegation.NotAfterUnixSeconds);
            Assert.AreEqual(2L, delegation.MinSecurityVersion);
            Assert.AreEqual(2, delegation.ProductCount);
            bool allowed = delegation.AllowsProduct("gateway");
            Assert.IsTrue(allowed);
            allowed = delegation.AllowsProduct("camera");
            Assert.IsFalse(allowed);
            Assert.AreEqual(file.Length - 64, delegation.SignedLength);
            byte[] fingerprint = new byte[8];
            TrustAnchors.Fingerprint(bundle.Root.PublicKey, 0, fingerprint, 0);
            CollectionAssert.AreEqual(fingerprint, delegation.RootFingerprint);
        }

        [TestMethod]
        public void TryParse_NoProducts_AllowsAnyProduct()
        {
            TestBundle bundle = new TestBundle(new TestRandom(22));
            bundle.DelegationProducts = null;
            byte[] file = bundle.Delegation();
            Delegation delegation;
            DocumentStatus status = new DelegationParser().TryParse(file, 0, file.Length, out delegation);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status);
            bool allowed = delegation.AllowsProduct("anything");
            Assert.IsTrue(allowed);
        }

        [TestMethod]
        public void TryParse_BadFrames_AreRejected()
        {
            byte[] file = new TestBundle(new TestRandom(23)).Delegation();
            DelegationParser parser = new DelegationParser();
            Delegation delegation;

            byte[] badMagic = TestBytes.Slice(file, 0, file.Length);
            badMagic[0] = (byte)'X';
            DocumentStatus status = parser.TryParse(badMagic, 0, badMagic.Length, out delegation);
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)status);

            byte[] longer = new byte[file.Length + 1];
            System.Array.Copy(file, 0, longer, 0, file.Length);
            status = parser.TryParse(longer, 0, longer.Length, out delegation);
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)status);
            status = parser.TryParse(file, 0, file.Length - 1, out delegation);
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)status);
            status = parser.TryParse(file, 0, 20, out delegation);
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)status);

            byte[] hugeLength = TestBytes.Slice(file, 0, file.Length);
            hugeLength[8] = 0x7f;
            status = parser.TryParse(hugeLength, 0, hugeLength.Length, out delegation);
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)status);
        }

        [DataRow("\"format\":1", "\"format\":2", (int)DocumentStatus.UnsupportedFormat, "format")]
        [DataRow("\"keyId\":\"release-2026\"", "\"keyId\":\"release/2026\"", (int)DocumentStatus.InvalidValue, "keyId")]
        [DataRow("\"minSecurityVersion\":0", "\"minSecurityVersion\":-4", (int)DocumentStatus.InvalidValue, "minSecurityVersion")]
        [DataRow("\"notAfter\":\"2028-01-01T00:00:00Z\"", "\"notAfter\":\"2025-01-01T00:00:00Z\"", (int)DocumentStatus.Inconsistent, "notAfter")]
        [DataRow("\"notAfter\":\"2028-01-01T00:00:00Z\"", "\"notAfter\":\"2026-01-01T00:00:00Z\"", (int)DocumentStatus.Inconsistent, "notAfter")]
        [DataRow("\"products\":[\"sensor\"]", "\"products\":[]", (int)DocumentStatus.InvalidValue, "products")]
        [DataRow("\"format\":1,", "\"format\":1,\"format\":1,", (int)DocumentStatus.DuplicateField, "format")]
        [DataRow("\"format\":1,", "\"format\":1,\"note\":\"x\",", (int)DocumentStatus.UnknownField, "note")]
        [DataRow(",\"minSecurityVersion\":0", "", (int)DocumentStatus.MissingField, "minSecurityVersion")]
        public void TryParse_BadBody_IsRejectedWithItsField(string oldText, string newText, int expected, string field)
        {
            TestBundle bundle = new TestBundle(new TestRandom(24));
            string body = TestText.ReplaceFirst(bundle.DelegationBody(), oldText, newText);
            byte[] file = TestBundle.Frame(TestBytes.Utf8(body), bundle.Root);
            DelegationParser parser = new DelegationParser();
            Delegation delegation;
            Assert.AreEqual(expected, (int)parser.TryParse(file, 0, file.Length, out delegation), field);
            Assert.AreEqual(field, parser.Reader.ErrorField);
            bool offsetInBody = parser.Reader.ErrorOffset >= DelegationParser.HeaderSize;
            Assert.IsTrue(offsetInBody);
        }

        [TestMethod]
        public void TryParse_PublicKeyMustBeLowerHexOf32Bytes()
        {
            TestBundle bundle = new TestBundle(new TestRandom(25));
            string key = Hex.Encode(bundle.SigningKey.PublicKey, 0, 32);
            string body = TestText.ReplaceFirst(bundle.DelegationBody(), key, key.Substring(2));
            byte[] file = TestBundle.Frame(TestBytes.Utf8(body), bundle.Root);
            Delegation delegation;
            DelegationParser parser = new DelegationParser();
            DocumentStatus status = parser.TryParse(file, 0, file.Length, out delegation);
            Assert.AreEqual((int)DocumentStatus.InvalidValue, (int)status);
            Assert.AreEqual("publicKey", parser.Reader.ErrorField);
        }

        [TestMethod]
        public void TryParse_FrameLengths_BadFrameAtTheWrongByteAndLimitsAccepted()
        {
            TestBundle bundle = new TestBundle(new TestRandom(26));
            DelegationParser parser = new DelegationParser();
            Delegation delegation;
            Assert.AreEqual(1098, DelegationParser.MaxFileBytes);
            byte[] file = bundle.Delegation();

            // One byte short of the smallest frame: refused at byte 0, whatever its length field says.
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)parser.TryParse(file, 0, 75, out delegation));
            Assert.AreEqual(0, parser.Reader.ErrorOffset);

            // The smallest frame ("{}") is parsed, a body over 1024 bytes is refused at the length field.
            Assert.AreEqual((int)DocumentStatus.MissingField, (int)parser.TryParse(TestBundle.Frame(TestBytes.Utf8("{}"), bundle.Root), 0, 76, out delegation));
            byte[] huge = TestBundle.Frame(new byte[1025], bundle.Root);
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)parser.TryParse(huge, 0, huge.Length, out delegation));
            Assert.AreEqual(8, parser.Reader.ErrorOffset);

            // A body of exactly 1024 bytes is accepted.
            string body = bundle.DelegationBody();
            body = "{" + new string(' ', DelegationParser.MaxBodyBytes - body.Length) + body.Substring(1);
            byte[] largest = TestBundle.Frame(TestBytes.Utf8(body), bundle.Root);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)parser.TryParse(largest, 0, largest.Length, out delegation));

            // Text after the object, and a range outside the buffer (a caller bug, even when shorter than a frame).
            byte[] trailing = TestBundle.Frame(TestBytes.Utf8(bundle.DelegationBody() + " x"), bundle.Root);
            Assert.AreEqual((int)DocumentStatus.SyntaxError, (int)parser.TryParse(trailing, 0, trailing.Length, out delegation));
            Assert.AreEqual((int)DocumentStatus.BadFrame, (int)parser.TryParse(file, 0, 75, out delegation));
            Assert.AreEqual((int)JsonStatus.Ok, (int)parser.Reader.SyntaxStatus);
            Assert.AreEqual("offset", ThrownArgument.Name(() => parser.TryParse(new byte[10], 0, 20, out delegation)));
        }

        [TestMethod]
        public void AllowsProduct_EightProductsNoneMatching_IsFalse()
        {
            TestBundle bundle = new TestBundle(new TestRandom(27));
            bundle.DelegationProducts = "\"p1\",\"p2\",\"p3\",\"p4\",\"p5\",\"p6\",\"p7\",\"p8\"";
            byte[] file = bundle.Delegation();
            Delegation delegation;
            Assert.AreEqual((int)DocumentStatus.Valid, (int)new DelegationParser().TryParse(file, 0, file.Length, out delegation));
            Assert.AreEqual(8, delegation.ProductCount);
            bool allowed = delegation.AllowsProduct("p9");
            Assert.IsFalse(allowed);
        }
    }
}
