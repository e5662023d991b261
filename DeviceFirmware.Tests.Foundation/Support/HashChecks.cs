using nanoFramework.TestFramework;
using SecureDevice.Core.Crypto;

namespace SecureDevice.Tests.Support
{
    /// <summary>Checks shared by the SHA-256 and SHA-512 tests.</summary>
    public static class HashChecks
    {
        /// <summary>Random messages fed in random chunk sizes give the same digest as one Append.</summary>
        public static void StreamingEqualsOneShot(BlockHash oneShot, BlockHash streaming, uint seed)
        {
            TestRandom random = new TestRandom(seed);
            byte[] expected = new byte[oneShot.DigestSize];
            byte[] actual = new byte[oneShot.DigestSize];
            for (int round = 0; round < 40; round++)
            {
                byte[] message = new byte[random.Next(700)];
                random.Fill(message, 0, message.Length);
                oneShot.Append(message, 0, message.Length);
                oneShot.Finish(expected, 0);
                int at = 0;
                while (at < message.Length)
                {
                    int take = random.Next(message.Length - at + 1);
                    streaming.Append(message, at, take);
                    at += take;
                }

                streaming.Finish(actual, 0);
                CollectionAssert.AreEqual(expected, actual, "round " + round);
            }
        }

        /// <summary>Finish leaves the instance ready for an identical second message; Reset and the one-shot Hash discard a partial one.</summary>
        public static void FinishAndResetStartOver(BlockHash hash)
        {
            byte[] first = new byte[hash.DigestSize];
            byte[] second = new byte[hash.DigestSize];
            byte[] message = TestBytes.Utf8("abc");
            hash.Append(message, 0, 3);
            hash.Finish(first, 0);
            hash.Append(message, 0, 1);
            hash.Reset();
            hash.Append(message, 0, 3);
            hash.Finish(second, 0);
            CollectionAssert.AreEqual(first, second);
            hash.Append(message, 0, 1);
            hash.Hash(message, 0, 3, second, 0);
            CollectionAssert.AreEqual(first, second);
        }

        /// <summary>The digest lands at the offset and nothing outside it is touched.</summary>
        public static void FinishWritesOnlyItsRange(BlockHash hash)
        {
            byte[] output = new byte[hash.DigestSize + 8];
            for (int i = 0; i < output.Length; i++)
            {
                output[i] = 0xAA;
            }

            hash.Finish(output, 4);
            byte before = output[3];
            byte after = output[hash.DigestSize + 4];
            Assert.AreEqual((byte)0xAA, before);
            Assert.AreEqual((byte)0xAA, after);
            byte[] alone = new byte[hash.DigestSize];
            hash.Finish(alone, 0);
            for (int i = 0; i < hash.DigestSize; i++)
            {
                Assert.AreEqual(alone[i], output[4 + i]);
            }
        }

        /// <summary>Bad ranges are caller bugs and throw.</summary>
        public static void BadRangesThrow(BlockHash hash)
        {
            System.Action appendPastTheEnd = () => hash.Append(new byte[4], 2, 3);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), appendPastTheEnd);
            System.Action appendAtNegativeOffset = () => hash.Append(new byte[4], -1, 1);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), appendAtNegativeOffset);
            System.Action appendNull = () => hash.Append(null, 0, 0);
            Assert.ThrowsException(typeof(System.ArgumentNullException), appendNull);
            System.Action finishIntoShortBuffer = () => hash.Finish(new byte[hash.DigestSize - 1], 0);
            Assert.ThrowsException(typeof(System.ArgumentOutOfRangeException), finishIntoShortBuffer);
        }
    }
}
