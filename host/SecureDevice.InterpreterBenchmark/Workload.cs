using System;
using SecureDevice.Core.Crypto;

namespace SecureDevice.InterpreterBenchmark
{
    /// <summary>
    /// The operations timed, on instances created once (as the device keeps them), and a self-check that they still
    /// compute the right answers: a benchmark of broken crypto measures nothing.
    /// </summary>
    public sealed class Workload
    {
        private readonly byte[] _input = new byte[64 * 1024];
        private readonly byte[] _digest = new byte[64];
        private readonly Sha256 _sha256 = new Sha256();
        private readonly Sha512 _sha512 = new Sha512();
        private readonly Ed25519Verifier _verifier = new Ed25519Verifier();
        private readonly byte[] _publicKey = new byte[Ed25519Verifier.PublicKeySize];
        private readonly byte[] _message = new byte[256];
        private readonly byte[] _signature = new byte[Ed25519Verifier.SignatureSize];

        public Workload()
        {
            new Random(16).NextBytes(_input);
            new Random(25519).NextBytes(_message);
            byte[] seed = new byte[Ed25519Signer.SeedSize];
            new Random(8032).NextBytes(seed);
            Ed25519Signer signer = new Ed25519Signer();
            signer.DerivePublicKey(seed, 0, _publicKey, 0);
            signer.Sign(seed, 0, _message, 0, _message.Length, _signature, 0);
        }

        public void Sha256Once()
        {
            _sha256.Append(_input, 0, _input.Length);
            _sha256.Finish(_digest, 0);
        }

        public void Sha512Once()
        {
            _sha512.Append(_input, 0, _input.Length);
            _sha512.Finish(_digest, 0);
        }

        public void VerifyOnce()
        {
            if (_verifier.Verify(_publicKey, 0, _message, 0, _message.Length, _signature, 0) != Ed25519Status.Valid)
            {
                throw new InvalidOperationException("the benchmark signature stopped verifying");
            }
        }

        /// <summary>Null when SHA-256, SHA-512 and the verifier give the known answers, else what went wrong.</summary>
        public string SelfCheck()
        {
            byte[] abc = new byte[] { 0x61, 0x62, 0x63 };
            _sha256.Hash(abc, 0, 3, _digest, 0);
            if (!Matches(_digest, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"))
            {
                return "SHA-256(\"abc\") differs from FIPS 180-4";
            }

            _sha512.Hash(abc, 0, 3, _digest, 0);
            if (!Matches(_digest, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"))
            {
                return "SHA-512(\"abc\") differs from FIPS 180-4";
            }

            if (_verifier.Verify(_publicKey, 0, _message, 0, _message.Length, _signature, 0) != Ed25519Status.Valid)
            {
                return "a fresh signature does not verify";
            }

            _message[7] ^= 1;
            Ed25519Status tampered = _verifier.Verify(_publicKey, 0, _message, 0, _message.Length, _signature, 0);
            _message[7] ^= 1;
            return tampered == Ed25519Status.Mismatch ? null : "a tampered message gave " + tampered;
        }

        private static bool Matches(byte[] actual, string expectedHex)
        {
            for (int i = 0; i < expectedHex.Length / 2; i++)
            {
                if (actual[i] != Convert.ToByte(expectedHex.Substring(2 * i, 2), 16))
                {
                    return false;
                }
            }

            return true;
        }
    }
}
