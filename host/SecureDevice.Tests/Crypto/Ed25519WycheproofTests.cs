using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text.Json;
using SecureDevice.Core.Crypto;
using SecureDevice.TestSupport;
using Xunit;

namespace SecureDevice.Tests.Crypto;

/// <summary>
/// Wycheproof's Ed25519 verification set (151 cases: known answers, malleability, non-canonical encodings, truncation,
/// garbage, values that overflowed other libraries) against the core's strict verifier. The vectors live in
/// Crypto/Vectors/wycheproof-ed25519.json, re-encoded from Wycheproof's JSON (source and licence in the file).
/// Host-only: the device test assembly's string table has no room for 43 KB of hex.
/// </summary>
public sealed class Ed25519WycheproofTests
{
    private static readonly string VectorFile = RepositoryPaths.Combine("host", "SecureDevice.Tests", "Crypto", "Vectors", "wycheproof-ed25519.json");

    public static IEnumerable<object[]> Cases() => Load().Select(c => new object[] { c.Id });

    [Theory]
    [MemberData(nameof(Cases))]
    public void Verify_WycheproofCase_GivesWycheproofsVerdict(int id)
    {
        WycheproofCase vector = Load().Single(c => c.Id == id);
        byte[] message = Convert.FromHexString(vector.Message);
        Ed25519Status status = new Ed25519Verifier().Verify(
            Convert.FromHexString(vector.PublicKey), message, 0, message.Length, Convert.FromHexString(vector.Signature));

        if (vector.Valid)
        {
            Assert.Equal(Ed25519Status.Valid, status);
        }
        else
        {
            Assert.NotEqual(Ed25519Status.Valid, status);
        }
    }

    [Fact]
    public void VectorFile_HoldsTheWholeSet()
    {
        // Guards the data: a truncated or re-generated file must not shrink the test silently.
        List<WycheproofCase> cases = Load();
        Assert.Equal(151, cases.Count);
        Assert.Equal(151, cases.Select(c => c.Id).Distinct().Count());
        Assert.Equal(88, cases.Count(c => c.Valid));
        Assert.Equal(63, cases.Count(c => !c.Valid));
        Assert.Equal(8, cases.Count(c => c.Flags.Contains("SignatureMalleability", StringComparison.Ordinal)));
        Assert.Equal(22, cases.Count(c => c.Flags.Contains("InvalidEncoding", StringComparison.Ordinal)));
    }

    [Fact]
    public void InvalidCases_AreRejectedForTheirReason()
    {
        // Beyond "not valid": wrong lengths are refused before any arithmetic, S >= L as out of range, and no invalid case
        // reaches the comparison with a key this verifier refuses (so each verdict comes from the check that case is about).
        var verifier = new Ed25519Verifier();
        foreach (WycheproofCase vector in Load().Where(c => !c.Valid))
        {
            byte[] message = Convert.FromHexString(vector.Message);
            byte[] signature = Convert.FromHexString(vector.Signature);
            Ed25519Status status = verifier.Verify(Convert.FromHexString(vector.PublicKey), message, 0, message.Length, signature);
            if (signature.Length != Ed25519Verifier.SignatureSize)
            {
                Assert.True(status == Ed25519Status.WrongLength, "case " + vector.Id + ": " + status);
            }
            else if (vector.Flags.Contains("SignatureMalleability", StringComparison.Ordinal))
            {
                Assert.True(status == Ed25519Status.ScalarOutOfRange, "case " + vector.Id + ": " + status);
            }

            Assert.True(
                status != Ed25519Status.SmallOrderPublicKey && status != Ed25519Status.NonCanonicalPublicKey && status != Ed25519Status.PublicKeyNotOnCurve,
                "case " + vector.Id + ": " + status);
        }
    }

    private static List<WycheproofCase> Load()
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(VectorFile));
        var cases = new List<WycheproofCase>();
        foreach (JsonElement key in document.RootElement.GetProperty("keys").EnumerateArray())
        {
            string publicKey = key.GetProperty("publicKey").GetString()!;
            foreach (JsonElement row in key.GetProperty("cases").EnumerateArray())
            {
                string verdict = row[3].GetString()!;
                Assert.True(verdict is "valid" or "invalid", "unknown verdict " + verdict);
                cases.Add(new WycheproofCase(row[0].GetInt32(), publicKey, row[1].GetString()!, row[2].GetString()!, verdict == "valid", row[4].GetString()!));
            }
        }

        return cases;
    }

    private sealed record WycheproofCase(int Id, string PublicKey, string Message, string Signature, bool Valid, string Flags);
}
