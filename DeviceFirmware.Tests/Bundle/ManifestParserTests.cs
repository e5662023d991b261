using nanoFramework.TestFramework;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Bundle
{
    [TestClass]
    public class ManifestParserTests
    {
        [TestMethod]
        public void TryParse_ValidManifest_ReadsEveryField()
        {
            TestBundle bundle = new TestBundle(new TestRandom(11));
            bundle.Expires = "2027-06-01T00:00:00Z";
            bundle.Revokes = "\"release-2025\",\"test-key\"";
            Manifest manifest = ParseValid(bundle.ManifestText());
            Assert.AreEqual("sensor", manifest.Product);
            Assert.AreEqual(2, manifest.HardwareCount);
            Assert.AreEqual("esp32-wrover", manifest.Hardware[1]);
            bool allowed = manifest.AllowsHardware("esp32-devkitc");
            Assert.IsTrue(allowed);
            allowed = manifest.AllowsHardware("esp32-s3");
            Assert.IsFalse(allowed);
            Assert.AreEqual("1.1.0", manifest.Version.ToString());
            Assert.AreEqual(3L, manifest.SecurityVersion);
            Assert.AreEqual(1L, manifest.MinLoaderVersion);
            Assert.AreEqual(1795341600L, manifest.CreatedUnixSeconds);
            Assert.AreEqual(1811808000L, manifest.ExpiresUnixSeconds);
            Assert.AreEqual("release-2026", manifest.KeyId);
            Assert.AreEqual("Sensor.App", manifest.EntryAssembly);
            Assert.AreEqual("Sensor.App.Application", manifest.EntryType);
            Assert.AreEqual("Start", manifest.EntryMethod);
            Assert.AreEqual(2, manifest.RevokeCount);
            Assert.AreEqual("test-key", manifest.Revokes[1]);
            Assert.AreEqual(2, manifest.FileCount);
            Assert.AreEqual("Sensor.Lib.pe", manifest.Files[1].Name);
            Assert.AreEqual(130L, manifest.Files[1].Size);
            Assert.AreEqual(830L, manifest.TotalFileBytes);
            int index = manifest.IndexOfFile("Sensor.Lib.pe");
            Assert.AreEqual(1, index);
            byte[] digest = new byte[32];
            new SecureDevice.Core.Crypto.Sha256().Hash(bundle.Payloads[0], 0, 700, digest, 0);
            CollectionAssert.AreEqual(digest, manifest.Files[0].Sha256);
        }

        [TestMethod]
        public void TryParse_NoExpiryNoRevocations_DefaultsAreExplicit()
        {
            Manifest manifest = ParseValid(new TestBundle(new TestRandom(12)).ManifestText());
            Assert.AreEqual(-1L, manifest.ExpiresUnixSeconds);
            Assert.AreEqual(0, manifest.RevokeCount);
        }

        [TestMethod]
        public void TryParse_WhitespaceAndMemberOrder_DoNotMatter()
        {
            string text = "{ \"files\" : [ { \"sha256\" : \"" + new string('a', 64) + "\", \"size\" : 5, \"name\" : \"A.pe\" } ],\n"
                + " \"entry\" : { \"method\" : \"M\", \"type\" : \"T\", \"assembly\" : \"A\" }, \"keyId\" : \"k\", \"created\" : \"2026-01-01T00:00:00Z\",\n"
                + " \"minLoaderVersion\" : 0, \"securityVersion\" : 0, \"version\" : \"0.0.1\", \"hardware\" : [ \"h\" ], \"product\" : \"p\", \"format\" : 1 }";
            Manifest manifest = ParseValid(text);
            Assert.AreEqual("A.pe", manifest.Files[0].Name);
        }

        [DataRow("\"format\":1", "\"format\":2", (int)DocumentStatus.UnsupportedFormat, "format")]
        [DataRow("\"format\":1", "\"format\":\"1\"", (int)DocumentStatus.InvalidValue, "format")]
        [DataRow("\"product\":\"sensor\"", "\"product\":\"../x\"", (int)DocumentStatus.InvalidValue, "product")]
        [DataRow("\"product\":\"sensor\"", "\"product\":7", (int)DocumentStatus.InvalidValue, "product")]
        [DataRow("\"esp32-devkitc\",\"esp32-wrover\"", "", (int)DocumentStatus.InvalidValue, "hardware")]
        [DataRow("\"esp32-devkitc\",\"esp32-wrover\"", "\"esp32\",\"esp32\"", (int)DocumentStatus.Inconsistent, "hardware")]
        [DataRow("\"esp32-devkitc\",\"esp32-wrover\"", "\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\"", (int)DocumentStatus.InvalidValue, "hardware")]
        [DataRow("\"version\":\"1.1.0\"", "\"version\":\"1.1\"", (int)DocumentStatus.InvalidValue, "version")]
        [DataRow("\"securityVersion\":3", "\"securityVersion\":-1", (int)DocumentStatus.InvalidValue, "securityVersion")]
        [DataRow("\"securityVersion\":3", "\"securityVersion\":2147483648", (int)DocumentStatus.InvalidValue, "securityVersion")]
        [DataRow("\"minLoaderVersion\":1", "\"minLoaderVersion\":true", (int)DocumentStatus.InvalidValue, "minLoaderVersion")]
        [DataRow("\"created\":\"2026-11-22T10:00:00Z\"", "\"created\":\"2026-11-22 10:00:00\"", (int)DocumentStatus.InvalidValue, "created")]
        [DataRow("\"keyId\":\"release-2026\"", "\"keyId\":\"release 2026\"", (int)DocumentStatus.InvalidValue, "keyId")]
        [DataRow("\"assembly\":\"Sensor.App\"", "\"assembly\":\"Other\"", (int)DocumentStatus.Inconsistent, "entry.assembly")]
        [DataRow("\"assembly\":\"Sensor.App\"", "\"assembly\":\"Sensor/App\"", (int)DocumentStatus.InvalidValue, "entry.assembly")]
        [DataRow(",\"method\":\"Start\"", "", (int)DocumentStatus.MissingField, "entry.method")]
        [DataRow(",\"method\":\"Start\"", ",\"method\":\"Start\",\"args\":\"x\"", (int)DocumentStatus.UnknownField, "entry.args")]
        [DataRow("\"type\":\"Sensor.App.Application\"", "\"type\":\"Sensor.App.Application\",\"type\":\"X\"", (int)DocumentStatus.DuplicateField, "entry.type")]
        [DataRow("\"name\":\"Sensor.App.pe\"", "\"name\":\"../Sensor.App.pe\"", (int)DocumentStatus.InvalidValue, "files[0].name")]
        [DataRow("\"name\":\"Sensor.App.pe\"", "\"name\":\"Sensor.App.dll\"", (int)DocumentStatus.InvalidValue, "files[0].name")]
        [DataRow("\"name\":\"Sensor.Lib.pe\"", "\"name\":\"sensor.app.pe\"", (int)DocumentStatus.Inconsistent, "files[1].name")]
        [DataRow("\"size\":700", "\"size\":0", (int)DocumentStatus.InvalidValue, "files[0].size")]
        [DataRow("\"size\":700", "\"size\":16777217", (int)DocumentStatus.InvalidValue, "files[0].size")]
        [DataRow("\"size\":700,", "", (int)DocumentStatus.MissingField, "files[0].size")]
        [DataRow("\"size\":700", "\"size\":700,\"mode\":7", (int)DocumentStatus.UnknownField, "files[0].mode")]
        [DataRow("\"minLoaderVersion\":1,", "", (int)DocumentStatus.MissingField, "minLoaderVersion")]
        [DataRow("\"format\":1,", "\"format\":1,\"format\":1,", (int)DocumentStatus.DuplicateField, "format")]
        [DataRow("\"format\":1,", "\"format\":1,\"extra\":1,", (int)DocumentStatus.UnknownField, "extra")]
        [DataRow("\"keyId\":\"release-2026\"", "\"keyId\":\"release-2026\",\"revokes\":[\"release-2026\"]", (int)DocumentStatus.Inconsistent, "revokes")]
        [DataRow("\"keyId\":\"release-2026\"", "\"keyId\":\"release-2026\",\"expires\":\"2026-11-22T10:00:00Z\"", (int)DocumentStatus.Inconsistent, "expires")]
        [DataRow("\"keyId\":\"release-2026\"", "\"keyId\":\"release-2026\",\"expires\":\"1970-01-01T00:00:00Z\"", (int)DocumentStatus.Inconsistent, "expires")]
        [DataRow("\"files\":[", "\"files\":7,\"more\":[", (int)DocumentStatus.InvalidValue, "files")]
        public void TryParse_OneBadMember_IsRejectedWithItsName(string oldText, string newText, int expected, string field)
        {
            string text = TestText.ReplaceFirst(new TestBundle(new TestRandom(13)).ManifestText(), oldText, newText);
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            DocumentStatus status = parser.TryParse(TestBytes.Utf8(text), 0, text.Length, out manifest);
            Assert.AreEqual(expected, (int)status, field);
            Assert.AreEqual(field, parser.Reader.ErrorField);
            Assert.IsNull(manifest);
            bool offsetInText = parser.Reader.ErrorOffset >= 0 && parser.Reader.ErrorOffset <= text.Length;
            Assert.IsTrue(offsetInText);
        }

        [TestMethod]
        public void TryParse_BadValue_ReportsTheValuesByteOffset()
        {
            string text = TestText.ReplaceFirst(new TestBundle(new TestRandom(14)).ManifestText(), "\"1.1.0\"", "\"1.1.x\"");
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            parser.TryParse(TestBytes.Utf8(text), 0, text.Length, out manifest);
            Assert.AreEqual(text.IndexOf("\"1.1.x\""), parser.Reader.ErrorOffset);
            string description = parser.Describe(DocumentStatus.InvalidValue);
            Assert.StartsWith("malformed manifest at byte " + text.IndexOf("\"1.1.x\"").ToString() + ": field 'version'", description);
        }

        [TestMethod]
        public void TryParse_SyntaxError_ReportsReaderStatusAndOffset()
        {
            string text = new TestBundle(new TestRandom(15)).ManifestText();
            text = text.Substring(0, 100);
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            DocumentStatus status = parser.TryParse(TestBytes.Utf8(text), 0, text.Length, out manifest);
            Assert.AreEqual((int)DocumentStatus.SyntaxError, (int)status);
            JsonStatus syntax = parser.Reader.SyntaxStatus;
            Assert.AreEqual((int)JsonStatus.UnexpectedEnd, (int)syntax);
            Assert.AreEqual(100, parser.Reader.ErrorOffset);
        }

        [TestMethod]
        public void TryParse_Oversized_IsRejectedBeforeParsing()
        {
            byte[] data = new byte[ManifestParser.MaxManifestBytes + 1];
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            DocumentStatus status = parser.TryParse(data, 0, data.Length, out manifest);
            Assert.AreEqual((int)DocumentStatus.TooLarge, (int)status);
        }

        [TestMethod]
        public void TryParse_SeventeenFiles_AreTooMany()
        {
            string files = string.Empty;
            for (int i = 0; i < 17; i++)
            {
                files += (i == 0 ? string.Empty : ",") + "{\"name\":\"F" + i.ToString() + ".pe\",\"size\":1,\"sha256\":\"" + new string('0', 64) + "\"}";
            }

            string text = "{\"format\":1,\"files\":[" + files + "]}";
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            DocumentStatus status = parser.TryParse(TestBytes.Utf8(text), 0, text.Length, out manifest);
            Assert.AreEqual((int)DocumentStatus.InvalidValue, (int)status);
            Assert.AreEqual("files[16]", parser.Reader.ErrorField);
        }

        [DataRow("[]")]
        [DataRow("\"manifest\"")]
        [DataRow("{}")]
        public void TryParse_NotAManifestObject_IsRejected(string text)
        {
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            Assert.AreNotEqual((int)DocumentStatus.Valid, (int)parser.TryParse(TestBytes.Utf8(text), 0, text.Length, out manifest), text);
        }

        [TestMethod]
        public void TryParse_EveryTruncation_IsRejected()
        {
            byte[] data = new TestBundle(new TestRandom(16)).Manifest();
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            for (int length = 0; length < data.Length; length++)
            {
                Assert.AreNotEqual((int)DocumentStatus.Valid, (int)parser.TryParse(data, 0, length, out manifest), "length " + length);
            }

            DocumentStatus status = parser.TryParse(data, 0, data.Length, out manifest);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status);
        }

        private static Manifest ParseValid(string text)
        {
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            byte[] data = TestBytes.Utf8(text);
            DocumentStatus status = parser.TryParse(data, 0, data.Length, out manifest);
            Assert.AreEqual((int)DocumentStatus.Valid, (int)status, parser.Describe(status));
            return manifest;
        }

        [TestMethod]
        public void TryParse_EveryLimitReached_IsValid()
        {
            // 8 hardware models, 8 revoked keys, exactly 4096 bytes: all allowed.
            TestBundle bundle = new TestBundle(new TestRandom(17));
            bundle.Hardware = "\"h1\",\"h2\",\"h3\",\"h4\",\"h5\",\"h6\",\"h7\",\"h8\"";
            bundle.Revokes = "\"r1\",\"r2\",\"r3\",\"r4\",\"r5\",\"r6\",\"r7\",\"r8\"";
            string text = bundle.ManifestText();
            text = "{" + new string(' ', ManifestParser.MaxManifestBytes - text.Length) + text.Substring(1);
            Manifest manifest = ParseValid(text);
            Assert.AreEqual(8, manifest.RevokeCount);
            bool allowed = manifest.AllowsHardware("h9");
            Assert.IsFalse(allowed);
        }

        [TestMethod]
        public void TryParse_NoFilesOrTextAfterTheObject_IsRejected()
        {
            TestBundle bundle = new TestBundle(new TestRandom(18));
            string trailing = bundle.ManifestText() + " x";
            bundle.Payloads = new byte[0][];
            bundle.PayloadNames = new string[0];
            string noFiles = bundle.ManifestText();
            ManifestParser parser = new ManifestParser();
            Manifest manifest;
            Assert.AreEqual((int)DocumentStatus.InvalidValue, (int)parser.TryParse(TestBytes.Utf8(noFiles), 0, noFiles.Length, out manifest));
            Assert.AreEqual("files", parser.Reader.ErrorField);
            Assert.AreEqual((int)DocumentStatus.SyntaxError, (int)parser.TryParse(TestBytes.Utf8(trailing), 0, trailing.Length, out manifest));
        }
    }
}
