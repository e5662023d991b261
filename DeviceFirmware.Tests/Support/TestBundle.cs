using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Text;

namespace SecureDevice.Tests.Support
{
    /// <summary>
    /// Builds signed bundles for tests: a root, a delegation for a signing key, a manifest over payload files. Every field
    /// is public so a test can change one thing and rebuild. Times are Unix seconds; 2026-01-01 .. 2028-01-01 by default.
    /// </summary>
    public sealed class TestBundle
    {
        /// <summary>2026-01-01T00:00:00Z.</summary>
        public const long Year2026 = 1767225600;

        /// <summary>2027-01-01T00:00:00Z, inside every default validity window.</summary>
        public const long Now = 1798761600;

        /// <summary>2028-01-01T00:00:00Z.</summary>
        public const long Year2028 = 1830297600;

        /// <summary>Creates a bundle with fresh keys from <paramref name="random"/> and two payload files.</summary>
        public TestBundle(TestRandom random)
        {
            Root = new TestKeys(random);
            SigningKey = new TestKeys(random);
            Payloads = new byte[2][];
            Payloads[0] = new byte[700];
            Payloads[1] = new byte[130];
            random.Fill(Payloads[0], 0, Payloads[0].Length);
            random.Fill(Payloads[1], 0, Payloads[1].Length);
            PayloadNames = new string[] { "Sensor.App.pe", "Sensor.Lib.pe" };
        }

        public TestKeys Root;
        public TestKeys SigningKey;
        public string KeyId = "release-2026";
        public string DelegatedKeyId = null;
        public long NotBefore = Year2026;
        public long NotAfter = Year2028;
        public long MinSecurityVersion = 0;
        public string DelegationProducts = "\"sensor\"";
        public string Product = "sensor";
        public string Hardware = "\"esp32-devkitc\",\"esp32-wrover\"";
        public string Version = "1.1.0";
        public long SecurityVersion = 3;
        public long MinLoaderVersion = 1;
        public string Created = "2026-11-22T10:00:00Z";
        public string Expires = null;
        public string Revokes = null;
        public string EntryAssembly = "Sensor.App";
        public byte[][] Payloads;
        public string[] PayloadNames;

        /// <summary>Trust anchors holding only this bundle's root.</summary>
        public TrustAnchors Anchors()
        {
            TrustAnchors anchors = new TrustAnchors();
            anchors.TryAdd(Root.PublicKey, 0);
            return anchors;
        }

        /// <summary>The delegation body JSON.</summary>
        public string DelegationBody()
        {
            byte[] fingerprint = new byte[TrustAnchors.FingerprintSize];
            TrustAnchors.Fingerprint(Root.PublicKey, 0, fingerprint, 0);
            string body = "{\"format\":1,\"root\":\"" + Hex.Encode(fingerprint, 0, fingerprint.Length) + "\",\"keyId\":\""
                + (DelegatedKeyId == null ? KeyId : DelegatedKeyId) + "\",\"publicKey\":\"" + Hex.Encode(SigningKey.PublicKey, 0, 32)
                + "\",\"notBefore\":\"" + UtcTimestamp.Format(NotBefore) + "\",\"notAfter\":\"" + UtcTimestamp.Format(NotAfter)
                + "\",\"minSecurityVersion\":" + MinSecurityVersion.ToString();
            if (DelegationProducts != null)
            {
                body += ",\"products\":[" + DelegationProducts + "]";
            }

            return body + "}";
        }

        /// <summary>The delegation file: magic, length, body, root signature.</summary>
        public byte[] Delegation()
        {
            return Frame(TestBytes.Utf8(DelegationBody()), Root);
        }

        /// <summary>Frames a delegation body and signs it with <paramref name="root"/>.</summary>
        public static byte[] Frame(byte[] body, TestKeys root)
        {
            byte[] file = new byte[DelegationParser.HeaderSize + body.Length + 64];
            for (int i = 0; i < 8; i++)
            {
                file[i] = (byte)DelegationParser.Magic[i];
            }

            file[8] = (byte)(body.Length >> 8);
            file[9] = (byte)body.Length;
            System.Array.Copy(body, 0, file, DelegationParser.HeaderSize, body.Length);
            byte[] signature = root.Sign(file, 0, DelegationParser.HeaderSize + body.Length);
            System.Array.Copy(signature, 0, file, DelegationParser.HeaderSize + body.Length, 64);
            return file;
        }

        /// <summary>The manifest JSON text.</summary>
        public string ManifestText()
        {
            string text = "{\"format\":1,\"product\":\"" + Product + "\",\"hardware\":[" + Hardware + "],\"version\":\"" + Version
                + "\",\"securityVersion\":" + SecurityVersion.ToString() + ",\"minLoaderVersion\":" + MinLoaderVersion.ToString()
                + ",\"created\":\"" + Created + "\"";
            if (Expires != null)
            {
                text += ",\"expires\":\"" + Expires + "\"";
            }

            text += ",\"keyId\":\"" + KeyId + "\",\"entry\":{\"assembly\":\"" + EntryAssembly + "\",\"type\":\"Sensor.App.Application\",\"method\":\"Start\"}";
            if (Revokes != null)
            {
                text += ",\"revokes\":[" + Revokes + "]";
            }

            text += ",\"files\":[";
            Sha256 sha = new Sha256();
            byte[] digest = new byte[32];
            for (int i = 0; i < Payloads.Length; i++)
            {
                sha.Hash(Payloads[i], 0, Payloads[i].Length, digest, 0);
                text += (i > 0 ? "," : string.Empty) + "{\"name\":\"" + PayloadNames[i] + "\",\"size\":" + Payloads[i].Length.ToString()
                    + ",\"sha256\":\"" + Hex.Encode(digest, 0, 32) + "\"}";
            }

            return text + "]}";
        }

        /// <summary>The manifest bytes.</summary>
        public byte[] Manifest()
        {
            return TestBytes.Utf8(ManifestText());
        }

        /// <summary>Signs <paramref name="manifest"/> with the signing key.</summary>
        public byte[] Sign(byte[] manifest)
        {
            return SigningKey.Sign(manifest);
        }

        /// <summary>A device context that accepts this bundle by default.</summary>
        public static InstallContext Device()
        {
            InstallContext device = new InstallContext();
            device.Product = "sensor";
            device.HardwareModel = "esp32-devkitc";
            device.LoaderVersion = 1;
            device.CurrentVersion = new AppVersion(1, 0, 0);
            device.CurrentSecurityVersion = 2;
            device.SecurityFloor = 2;
            return device;
        }
    }
}
