namespace SecureDevice.Core.Telemetry
{
    /// <summary>
    /// A sensor with 16-bit registers on a bus (an INA219 on I2C): one register read. The adapter writes the register
    /// pointer, reads two bytes and assembles them big-endian; a bus error or a missing device returns false, never throws.
    /// </summary>
    public interface IRegisterReader
    {
        /// <summary>Reads register <paramref name="register"/> as an unsigned 16-bit value (0..65535).</summary>
        bool TryRead(int register, out int value);
    }
}
