using System;
using System.Collections.Generic;
using System.Reflection;
using System.Reflection.Emit;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;

namespace SecureDevice.ApiGate;

/// <summary>Walks a method body's IL and yields every metadata token operand (types, methods, fields, signatures).</summary>
public static class IlTokens
{
    private static readonly OperandType?[] OneByte = new OperandType?[256];
    private static readonly OperandType?[] TwoByte = new OperandType?[256];

    static IlTokens()
    {
        foreach (FieldInfo field in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var code = (OpCode)field.GetValue(null)!;
            ushort value = (ushort)code.Value;
            if (code.Size == 1)
            {
                OneByte[value] = code.OperandType;
            }
            else
            {
                TwoByte[value & 0xff] = code.OperandType;
            }
        }
    }

    /// <summary>Every token operand in <paramref name="body"/>, in IL order. Strings (ldstr) are skipped.</summary>
    /// <exception cref="BadImageFormatException">The IL has an unknown opcode.</exception>
    public static IEnumerable<EntityHandle> Read(MethodBodyBlock body)
    {
        BlobReader il = body.GetILReader();
        var tokens = new List<EntityHandle>();
        while (il.RemainingBytes > 0)
        {
            byte first = il.ReadByte();
            OperandType? operand = first == 0xFE ? TwoByte[il.ReadByte()] : OneByte[first];
            if (operand == null)
            {
                throw new BadImageFormatException("unknown IL opcode 0x" + first.ToString("x2"));
            }

            switch (operand.Value)
            {
                case OperandType.InlineNone:
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    il.Offset += 1;
                    break;
                case OperandType.InlineVar:
                    il.Offset += 2;
                    break;
                case OperandType.InlineI:
                case OperandType.InlineBrTarget:
                case OperandType.ShortInlineR:
                case OperandType.InlineString:
                    il.Offset += 4;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    il.Offset += 8;
                    break;
                case OperandType.InlineSwitch:
                    int count = il.ReadInt32();
                    il.Offset += 4 * count;
                    break;
                case OperandType.InlineField:
                case OperandType.InlineMethod:
                case OperandType.InlineTok:
                case OperandType.InlineType:
                case OperandType.InlineSig:
                    tokens.Add(MetadataTokens.EntityHandle(il.ReadInt32()));
                    break;
                default:
                    throw new BadImageFormatException("unhandled operand type " + operand.Value);
            }
        }

        return tokens;
    }
}
