namespace SecureDevice.Tests.Support
{
    /// <summary>Bundles for update tests: a factory image and releases signed by the same root and key.</summary>
    public static class UpdateBundles
    {
        /// <summary>The factory image: version 1.0.0, security version 2, two small files.</summary>
        public static TestBundle Factory(TestRandom random)
        {
            TestBundle factory = new TestBundle(random);
            factory.Version = "1.0.0";
            factory.SecurityVersion = 2;
            return factory;
        }

        /// <summary>A release of <paramref name="version"/> with <paramref name="securityVersion"/> and files of <paramref name="sizes"/> bytes.</summary>
        public static TestBundle Release(TestBundle factory, string version, long securityVersion, TestRandom random, int[] sizes)
        {
            TestBundle release = new TestBundle(random);
            release.Root = factory.Root;
            release.SigningKey = factory.SigningKey;
            release.Version = version;
            release.SecurityVersion = securityVersion;
            release.Payloads = new byte[sizes.Length][];
            release.PayloadNames = new string[sizes.Length];
            string[] names = new string[] { "Sensor.App.pe", "Sensor.Lib.pe", "Sensor.Drivers.pe", "Sensor.Extra.pe" };
            for (int i = 0; i < sizes.Length; i++)
            {
                release.Payloads[i] = new byte[sizes[i]];
                random.Fill(release.Payloads[i], 0, sizes[i]);
                release.PayloadNames[i] = names[i];
            }

            return release;
        }

        /// <summary>Total payload bytes of the usual release.</summary>
        public const int ReleaseBytes = 560 + 310 + 20;

        /// <summary>
        /// The usual release: 1.1.0, security version 3, files of 560, 310 and 20 bytes: 9, 5 and 1 pieces of the rig's
        /// server (<see cref="UpdateRig.PieceBytes"/>), as 9000, 5000 and 300 bytes are on the board.
        /// </summary>
        public static TestBundle Release(TestBundle factory, TestRandom random)
        {
            return Release(factory, "1.1.0", 3, random, new int[] { 560, 310, 20 });
        }
    }
}
