#!/usr/bin/env python3
"""Emits the unrolled C# bodies of Field25519.Multiply and Field25519.Square.

Radix 2^25.5: limb i has weight 2^ceil(25.5*i). A product f_i*g_j lands in limb (i+j) mod 10;
it is multiplied by 19 when i+j >= 10 (2^255 = 19 mod p) and by 2 when i and j are both odd
(the half bits of the two weights add up to one whole bit). Run it and paste the output between
the GENERATED markers in DeviceFirmware/Foundation/Crypto/Field25519.cs.
"""


def coefficient(i, j):
    c = 1
    if i + j >= 10:
        c *= 19
    if i % 2 == 1 and j % 2 == 1:
        c *= 2
    return c


def multiply():
    out = []
    for i in range(10):
        out.append(f"            long f{i} = f[{i}];")
    for j in range(10):
        out.append(f"            long g{j} = g[{j}];")
    for j in range(1, 10):
        out.append(f"            long g{j}x19 = 19 * g{j};")
    for i in (1, 3, 5, 7, 9):
        out.append(f"            long f{i}x2 = 2 * f{i};")
    for k in range(10):
        terms = []
        for i in range(10):
            j = (k - i) % 10
            fname = f"f{i}x2" if (i % 2 == 1 and j % 2 == 1) else f"f{i}"
            gname = f"g{j}x19" if i + j >= 10 else f"g{j}"
            assert coefficient(i, j) == (2 if fname.endswith("x2") else 1) * (19 if gname.endswith("x19") else 1)
            terms.append(f"({fname} * {gname})")
        out.append(f"            long h{k} = " + " + ".join(terms) + ";")
    return out


def square():
    out = []
    for i in range(10):
        out.append(f"            long f{i} = f[{i}];")
    needed = set()
    rows = []
    for k in range(10):
        terms = []
        for i in range(10):
            for j in range(i, 10):
                if (i + j) % 10 != k:
                    continue
                c = coefficient(i, j) * (1 if i == j else 2)
                if c == 1:
                    terms.append(f"(f{i} * f{j})")
                else:
                    needed.add((i, c))
                    terms.append(f"(f{i}x{c} * f{j})")
        rows.append(f"            long h{k} = " + " + ".join(terms) + ";")
    for (i, c) in sorted(needed):
        out.append(f"            long f{i}x{c} = {c} * f{i};")
    return out + rows


if __name__ == "__main__":
    print("        // GENERATED Multiply (tools/gen_field25519.py)")
    print("\n".join(multiply()))
    print("        // GENERATED Square (tools/gen_field25519.py)")
    print("\n".join(square()))
