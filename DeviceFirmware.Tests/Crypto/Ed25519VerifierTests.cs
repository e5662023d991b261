using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Text;
using SecureDevice.Tests.Support;

namespace SecureDevice.Tests.Crypto
{
    [TestClass]
    public class Ed25519VerifierTests
    {
        private const string Test2Public = "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c";
        private const string Test2Message = "72";
        private const string Test2Signature = "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00";

        [DataRow("TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b")]
        [DataRow("TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")]
        [DataRow("TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82", "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a")]
        [DataRow("TEST 1024", "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5", "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e", "08b8b2b733424243760fe426a4b54908632110a66c2f6591eabd3345e3e4eb98fa6e264bf09efe12ee50f8f54e9f77b1e355f6c50544e23fb1433ddf73be84d879de7c0046dc4996d9e773f4bc9efe5738829adb26c81b37c93a1b270b20329d658675fc6ea534e0810a4432826bf58c941efb65d57a338bbd2e26640f89ffbc1a858efcb8550ee3a5e1998bd177e93a7363c344fe6b199ee5d02e82d522c4feba15452f80288a821a579116ec6dad2b3b310da903401aa62100ab5d1a36553e06203b33890cc9b832f79ef80560ccb9a39ce767967ed628c6ad573cb116dbefefd75499da96bd68a8a97b928a8bbc103b6621fcde2beca1231d206be6cd9ec7aff6f6c94fcd7204ed3455c68c83f4a41da4af2b74ef5c53f1d8ac70bdcb7ed185ce81bd84359d44254d95629e9855a94a7c1958d1f8ada5d0532ed8a5aa3fb2d17ba70eb6248e594e1a2297acbbb39d502f1a8c6eb6f1ce22b3de1a1f40cc24554119a831a9aad6079cad88425de6bde1a9187ebb6092cf67bf2b13fd65f27088d78b7e883c8759d2c4f5c65adb7553878ad575f9fad878e80a0c9ba63bcbcc2732e69485bbc9c90bfbd62481d9089beccf80cfe2df16a2cf65bd92dd597b0707e0917af48bbb75fed413d238f5555a7a569d80c3414a8d0859dc65a46128bab27af87a71314f318c782b23ebfe808b82b0ce26401d2e22f04d83d1255dc51addd3b75a2b1ae0784504df543af8969be3ea7082ff7fc9888c144da2af58429ec96031dbcad3dad9af0dcbaaaf268cb8fcffead94f3c7ca495e056a9b47acdb751fb73e666c6c655ade8297297d07ad1ba5e43f1bca32301651339e22904cc8c42f58c30c04aafdb038dda0847dd988dcda6f3bfd15c4b4c4525004aa06eeff8ca61783aacec57fb3d1f92b0fe2fd1a85f6724517b65e614ad6808d6f6ee34dff7310fdc82aebfd904b01e1dc54b2927094b2db68d6f903b68401adebf5a7e08d78ff4ef5d63653a65040cf9bfd4aca7984a74d37145986780fc0b16ac451649de6188a7dbdf191f64b5fc5e2ab47b57f7f7276cd419c17a3ca8e1b939ae49e488acba6b965610b5480109c8b17b80e1b7b750dfc7598d5d5011fd2dcc5600a32ef5b52a1ecc820e308aa342721aac0943bf6686b64b2579376504ccc493d97e6aed3fb0f9cd71a43dd497f01f17c0e2cb3797aa2a2f256656168e6c496afc5fb93246f6b1116398a346f1a641f3b041e989f7914f90cc2c7fff357876e506b50d334ba77c225bc307ba537152f3f1610e4eafe595f6d9d90d11faa933a15ef1369546868a7f3a45a96768d40fd9d03412c091c6315cf4fde7cb68606937380db2eaaa707b4c4185c32eddcdd306705e4dc1ffc872eeee475a64dfac86aba41c0618983f8741c5ef68d3a101e8a3b8cac60c905c15fc910840b94c00a0b9d0", "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03")]
        [DataRow("TEST SHA(abc)", "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42", "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf", "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f", "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704")]
        public void Verify_Rfc8032Vectors_AreValid(string name, string seedHex, string publicHex, string messageHex, string signatureHex)
        {
            byte[] message = Hex.Decode(messageHex);
            Ed25519Status status = new Ed25519Verifier().Verify(Hex.Decode(publicHex), message, 0, message.Length, Hex.Decode(signatureHex));
            Assert.AreEqual((int)Ed25519Status.Valid, (int)status, name);
        }

        // Edge cases from novifinancial/ed25519-speccheck and C2SP/CCTV, plus three built for off-curve points and S + L.
        // The expected value applies this verifier's policy; OpenSSL accepts speccheck-0, -1, -11, cctv-303 and cctv-310
        // because it checks neither the order nor the canonical encoding of A.
        [DataRow("speccheck-0", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "8c93255d71dcab10e8f379c26200f3c7bd5f09d9bc3068d3ef4edeb4853022b6", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a0000000000000000000000000000000000000000000000000000000000000000", (int)Ed25519Status.SmallOrderPublicKey)]
        [DataRow("speccheck-1", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa", "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43a5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", (int)Ed25519Status.SmallOrderPublicKey)]
        [DataRow("speccheck-2", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab", "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e", (int)Ed25519Status.Valid)]
        [DataRow("speccheck-3", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79", "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009", (int)Ed25519Status.Valid)]
        [DataRow("speccheck-4", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c", "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed5125ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09", (int)Ed25519Status.Mismatch)]
        [DataRow("speccheck-5", "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d", "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c", "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405", (int)Ed25519Status.Mismatch)]
        [DataRow("speccheck-6", "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", "e96f66be976d82e60150baecff9906684aebb1ef181f67a7189ac78ea23b6c0e547f7690a0e2ddcd04d87dbc3490dc19b3b3052f7ff0538cb68afb369ba3a514", (int)Ed25519Status.ScalarOutOfRange)]
        [DataRow("speccheck-7", "442aad9f089ad9e14647b1ef9099a1ff4798d78589e66f28eca69c11f582a623", "85e241a07d148b41e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec40", "8ce5b96c8f26d0ab6c47958c9e68b937104cd36e13c33566acd2fe8d38aa19427e71f98a473474f2f13f06f97c20d58cc3f54b8bd0d272f42b695dd7e89a8c22", (int)Ed25519Status.ScalarOutOfRange)]
        [DataRow("speccheck-8", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff03be9678ac102edcd92b0210bb34d7428d12ffc5df5f37e359941266a4e35f0f", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("speccheck-9", "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43", "9bedc267423725d473888631ebf45988bad3db83851ee85c85e241a07d148b41", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffca8c5b64cd208982aa38d4936621a4775aa233aa0505711d8fdcfdaa943d4908", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("speccheck-10", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "e96b7021eb39c1a163b6da4e3093dcd3f21387da4cc4572be588fafae23c155b", "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", (int)Ed25519Status.NonCanonicalPublicKey)]
        [DataRow("speccheck-11", "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "39a591f5321bbe07fd5a23dc2f39d025d74526615746727ceefd6e82ae65c06f", "a9d55260f765261eb9b84e106f665e00b867287a761990d7135963ee0a7d59dca5bb704786be79fc476f91d3f3f89b03984d8068dcf1bb7dfc6637b45450ac04", (int)Ed25519Status.NonCanonicalPublicKey)]
        [DataRow("cctv-305", "ef75b20e7540e3dff77404193652ba2bd13df99c1508eee1515e27ae25f28076", "65643235353139766563746f72732035", "b62cf890de42c413b11b1411c9f01f1c4d77aa87ef182258d1251f69af2a350640657f1cb030f12543549bbabd848dc6403d354e7c99c4d0dcee9f63c9033b00", (int)Ed25519Status.Valid)]
        [DataRow("cctv-304", "ef75b20e7540e3dff77404193652ba2bd13df99c1508eee1515e27ae25f28076", "65643235353139766563746f72732037", "0100000000000000000000000000000000000000000000000000000000000000330b30d6c1f07511e2208d233b6a34d4ed7109da2dea615bcd97daee3a842704", (int)Ed25519Status.Valid)]
        [DataRow("cctv-303", "0100000000000000000000000000000000000000000000000000000000000000", "65643235353139766563746f72732035", "b62cf890de42c413b11b1411c9f01f1c4d77aa87ef182258d1251f69af2a350605ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02", (int)Ed25519Status.SmallOrderPublicKey)]
        [DataRow("cctv-310", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", "65643235353139766563746f72732031", "b62cf890de42c413b11b1411c9f01f1c4d77aa87ef182258d1251f69af2a350605ba9a796274d80437afa36f1236563f2f3b0aa84cecddc3d20914615ba4fe02", (int)Ed25519Status.NonCanonicalPublicKey)]
        [DataRow("cctv-316", "ef75b20e7540e3dff77404193652ba2bd13df99c1508eee1515e27ae25f28076", "65643235353139766563746f72732035", "01000000000000000000000000000000000000000000000000000000000000802d32f9eeccaa31dba2ff4ab4e196b61e2ee1648073bbb5f599dcff4f7ea02900", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("cctv-319", "ef75b20e7540e3dff77404193652ba2bd13df99c1508eee1515e27ae25f28076", "65643235353139766563746f72732036", "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f367b7a92fea8539e8793cf812e799e8ed342c635592e74323a8dfd38a06aea0b", (int)Ed25519Status.NonCanonicalR)]
        [DataRow("cctv-50", "10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f", "65643235353139766563746f72732035", "b62cf890de42c413b11b1411c9f01f1c4d77aa87ef182258d1251f69af2a350608f32d206a7c0b7efa9a59e66546e8f1f599ef843fb502c9cc3c4ae8b7c11e05", (int)Ed25519Status.Valid)]
        [DataRow("cctv-51", "10eb7c3acfb2bed3e0d6ab89bf5a3d6afddd1176ce4812e38d9fd485058fdb1f", "65643235353139766563746f72732033", "b62cf890de42c413b11b1411c9f01f1c4d77aa87ef182258d1251f69af2a3506030b03796b78f7afeadfccaedc9d09ce6d487d1ece1f16b1ae2b59b7e5c40603", (int)Ed25519Status.Mismatch)]
        [DataRow("synthetic-S-plus-L", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69daf52db7415978abc61b2c2eb6aeebfca0387b2eaeb4302aeeb00d291612bb0c10", (int)Ed25519Status.ScalarOutOfRange)]
        [DataRow("synthetic-A-not-on-curve", "0200000000000000000000000000000000000000000000000000000000000000", "72", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", (int)Ed25519Status.PublicKeyNotOnCurve)]
        [DataRow("synthetic-R-not-on-curve", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72", "0200000000000000000000000000000000000000000000000000000000000000085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00", (int)Ed25519Status.RNotOnCurve)]
        public void Verify_EdgeCaseVectors_GiveThePolicyResult(string name, string publicHex, string messageHex, string signatureHex, int expected)
        {
            byte[] message = Hex.Decode(messageHex);
            Ed25519Status status = new Ed25519Verifier().Verify(Hex.Decode(publicHex), message, 0, message.Length, Hex.Decode(signatureHex));
            Assert.AreEqual(expected, (int)status, name);
        }

        [TestMethod]
        public void Verify_EveryBitFlipInTheSignature_IsRejected()
        {
            Ed25519Verifier verifier = new Ed25519Verifier();
            byte[] publicKey = Hex.Decode(Test2Public);
            byte[] message = Hex.Decode(Test2Message);
            byte[] signature = Hex.Decode(Test2Signature);
            for (int bit = 0; bit < 512; bit++)
            {
                signature[bit >> 3] ^= (byte)(1 << (bit & 7));
                Ed25519Status status = verifier.Verify(publicKey, message, 0, message.Length, signature);
                signature[bit >> 3] ^= (byte)(1 << (bit & 7));
                Assert.AreNotEqual((int)Ed25519Status.Valid, (int)status, "bit " + bit);
            }

            Assert.AreEqual((int)Ed25519Status.Valid, (int)verifier.Verify(publicKey, message, 0, message.Length, signature));
        }

        [TestMethod]
        public void Verify_EveryBitFlipInTheKeyOrMessage_IsRejected()
        {
            Ed25519Verifier verifier = new Ed25519Verifier();
            byte[] publicKey = Hex.Decode(Test2Public);
            byte[] message = Hex.Decode(Test2Message);
            byte[] signature = Hex.Decode(Test2Signature);
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
            byte[] message = Hex.Decode(Test2Message);
            byte[] signature = Hex.Decode(Test2Signature);
            byte[] publicKey = Hex.Decode(Test2Public);
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)verifier.Verify(publicKey, message, 0, 1, new byte[63]));
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)verifier.Verify(publicKey, message, 0, 1, new byte[65]));
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)verifier.Verify(new byte[31], message, 0, 1, signature));
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)verifier.Verify(null, message, 0, 1, signature));
            Assert.AreEqual((int)Ed25519Status.WrongLength, (int)verifier.Verify(publicKey, message, 0, 1, null));
        }

        [TestMethod]
        public void Verify_ScalarEqualToOrder_IsOutOfRange()
        {
            byte[] signature = Hex.Decode(Test2Signature);
            byte[] order = Hex.Decode("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
            System.Array.Copy(order, 0, signature, 32, 32);
            byte[] message = Hex.Decode(Test2Message);
            Ed25519Status status = new Ed25519Verifier().Verify(Hex.Decode(Test2Public), message, 0, 1, signature);
            Assert.AreEqual((int)Ed25519Status.ScalarOutOfRange, (int)status);
        }

        [TestMethod]
        public void Verify_AtOffsets_SameAsAtZero()
        {
            byte[] publicKey = new byte[40];
            byte[] signature = new byte[70];
            byte[] message = new byte[5];
            System.Array.Copy(Hex.Decode(Test2Public), 0, publicKey, 7, 32);
            System.Array.Copy(Hex.Decode(Test2Signature), 0, signature, 3, 64);
            message[2] = 0x72;
            Ed25519Verifier verifier = new Ed25519Verifier();
            Assert.AreEqual((int)Ed25519Status.Valid, (int)verifier.Verify(publicKey, 7, message, 2, 1, signature, 3));
            Assert.AreEqual((int)Ed25519Status.Mismatch, (int)verifier.Verify(publicKey, 7, message, 1, 1, signature, 3));
        }

        [TestMethod]
        public void Verify_RangeOutsideBuffer_Throws()
        {
            Ed25519Verifier verifier = new Ed25519Verifier();
            Assert.ThrowsException(
                typeof(System.ArgumentOutOfRangeException),
                () => verifier.Verify(new byte[32], 1, new byte[1], 0, 1, new byte[64], 0));
        }
    }
}
