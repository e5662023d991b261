using System;
using System.Collections.Generic;
using System.IO;
using System.Text.Json;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Crypto;
using SecureDevice.Core.Text;

namespace SecureDevice.Fleet.Signing;

/// <summary>Writes signer delegations: the JSON body, framed and signed by a root key.</summary>
public static class DelegationWriter
{
    /// <summary>Builds the delegation file bytes and checks them with the core parser and verifier before returning.</summary>
    public static byte[] Create(byte[] rootSeed, byte[] signerPublicKey, string keyId, IReadOnlyList<string> products,
        long minSecurityVersion, long notBefore, long notAfter)
    {
        if (!SafeName.IsIdentifier(keyId, Manifest.MaxNameLength))
        {
            throw Invalid("invalid key id '" + keyId + "': use 1-48 of [A-Za-z0-9._-], starting with a letter or digit");
        }

        if (products.Count > Delegation.MaxProducts)
        {
            throw Invalid("at most " + Delegation.MaxProducts + " products per delegation");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string product in products)
        {
            if (!SafeName.IsIdentifier(product, Manifest.MaxNameLength))
            {
                throw Invalid("invalid product id '" + product + "'");
            }

            // The device parser refuses a repeated product; the writer says so first, in words.
            if (!seen.Add(product))
            {
                throw Invalid("product " + product + " is listed twice");
            }
        }

        if (minSecurityVersion < 0 || minSecurityVersion > int.MaxValue)
        {
            throw Invalid("the lowest security version must be 0.." + int.MaxValue);
        }

        if (notBefore < 0 || notAfter > FleetTime.MaxUnixSeconds || notBefore > FleetTime.MaxUnixSeconds)
        {
            throw Invalid("a delegation's validity must lie within years 1970..9999 (not after " + UtcTimestamp.Format(FleetTime.MaxUnixSeconds) + ")");
        }

        if (notAfter <= notBefore)
        {
            throw Invalid("the end of validity must be later than its start");
        }

        byte[] rootPublicKey = Ed25519KeyFile.DerivePublicKey(rootSeed);
        byte[] fingerprint = new byte[TrustAnchors.FingerprintSize];
        TrustAnchors.Fingerprint(rootPublicKey, 0, fingerprint, 0);

        var body = new MemoryStream();
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteNumber("format", Delegation.FormatVersion);
            json.WriteString("root", Hex.Encode(fingerprint, 0, fingerprint.Length));
            json.WriteString("keyId", keyId);
            json.WriteString("publicKey", Hex.Encode(signerPublicKey, 0, 32));
            json.WriteString("notBefore", UtcTimestamp.Format(notBefore));
            json.WriteString("notAfter", UtcTimestamp.Format(notAfter));
            json.WriteNumber("minSecurityVersion", minSecurityVersion);
            if (products.Count > 0)
            {
                json.WriteStartArray("products");
                foreach (string product in products)
                {
                    json.WriteStringValue(product);
                }

                json.WriteEndArray();
            }

            json.WriteEndObject();
        }

        byte[] bodyBytes = body.ToArray();
        byte[] file = new byte[DelegationParser.HeaderSize + bodyBytes.Length + 64];
        for (int i = 0; i < DelegationParser.Magic.Length; i++)
        {
            file[i] = (byte)DelegationParser.Magic[i];
        }

        file[8] = (byte)(bodyBytes.Length >> 8);
        file[9] = (byte)bodyBytes.Length;
        bodyBytes.CopyTo(file, DelegationParser.HeaderSize);
        new Ed25519Signer().Sign(rootSeed, 0, file, 0, DelegationParser.HeaderSize + bodyBytes.Length, file, DelegationParser.HeaderSize + bodyBytes.Length);

        // Self-check with the device's own parser and verifier, so the tool can never emit what a device would refuse.
        var anchors = new TrustAnchors();
        anchors.TryAdd(rootPublicKey, 0);
        var parser = new DelegationParser();
        DocumentStatus status = parser.TryParse(file, 0, file.Length, out Delegation? parsed);
        if (status != DocumentStatus.Valid || parsed == null)
        {
            throw new InvalidOperationException("generated delegation does not parse: " + parser.Describe(status));
        }

        return file;
    }

    private static FleetException Invalid(string message) => new(FleetError.InvalidArgument, message);
}
