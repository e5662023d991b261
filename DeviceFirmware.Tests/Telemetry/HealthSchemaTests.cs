using nanoFramework.TestFramework;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Tests.Telemetry
{
    [TestClass]
    public class HealthSchemaTests
    {
        [TestMethod]
        public void Write_KeysInOrderAndGroupsShort()
        {
            // What the encoders rely on: keys 0, 1, 2, .. each once, one-letter JSON keys, every group 1..23 values
            // (a one-byte CBOR array header), and End last.
            ShapeRecorder shape = new ShapeRecorder();
            HealthSchema.Write(new HealthSnapshot(), shape);
            Assert.AreEqual("v n l3 p4 m6 t8 c7 x4 i5 f .", shape.Text);
        }

        [TestMethod]
        public void Reported_CounterClampedSignedAsIs()
        {
            long clampedLow = HealthSchema.Reported(HealthValueKind.Counter, -1);
            long clampedHigh = HealthSchema.Reported(HealthValueKind.Counter, 1L << 40);
            long signed = HealthSchema.Reported(HealthValueKind.Signed, -40);
            Assert.AreEqual(0L, clampedLow);
            Assert.AreEqual(4294967295L, clampedHigh);
            Assert.AreEqual(-40L, signed);
        }

        // Records "jsonKey[count]" per key, checking the key numbers as it goes ('!' marks one out of order).
        private sealed class ShapeRecorder : IHealthWriter
        {
            private int _keys;
            private int _fields = -1;

            public string Text = string.Empty;

            public void Scalar(int key, string jsonKey, string name, HealthValueKind kind, long value)
            {
                Key(key, jsonKey);
            }

            public void Group(int key, string jsonKey, string name)
            {
                Key(key, jsonKey);
                _fields = 0;
            }

            public void Field(string name, HealthValueKind kind, long value, bool present)
            {
                _fields++;
            }

            public void End()
            {
                Close();
                Text += " .";
            }

            private void Key(int key, string jsonKey)
            {
                Close();
                Text += (_keys == 0 ? string.Empty : " ") + (key == _keys ? string.Empty : "!") + jsonKey;
                _keys++;
            }

            private void Close()
            {
                if (_fields >= 0)
                {
                    Text += _fields > 0 && _fields <= 23 ? _fields.ToString() : "!";
                    _fields = -1;
                }
            }
        }
    }
}
