using SecureDevice.Core.Text;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// The two application slots on the device's flash (I:\app\a and I:\app\b). A slot holds a whole bundle: the signed
    /// manifest, its signature, the signer delegation and the payload files, so the loader can re-verify it at every boot.
    /// </summary>
    public static class SlotLayout
    {
        /// <summary>Slot A.</summary>
        public const int SlotA = 0;

        /// <summary>Slot B.</summary>
        public const int SlotB = 1;

        /// <summary>Manifest file name in a slot.</summary>
        public const string Manifest = "manifest.json";

        /// <summary>Signature file name in a slot.</summary>
        public const string Signature = "manifest.sig";

        /// <summary>Delegation file name in a slot.</summary>
        public const string Delegation = "signer.delegation";

        /// <summary>Folder of <paramref name="slot"/>.</summary>
        /// <exception cref="System.ArgumentOutOfRangeException"><paramref name="slot"/> is neither <see cref="SlotA"/> nor <see cref="SlotB"/> (a caller bug).</exception>
        public static string Folder(int slot)
        {
            // Every slot file's path comes through here: a slot number gone wrong (a loop running the wrong way, -1 for
            // "no slot") fails at once instead of quietly reading slot B's files.
            if (slot != SlotA && slot != SlotB)
            {
                throw new System.ArgumentOutOfRangeException("slot");
            }

            return slot == SlotA ? "app/a" : "app/b";
        }

        /// <summary>Path of <paramref name="name"/> (a <see cref="SafeName"/> identifier) in <paramref name="slot"/>.</summary>
        public static string Path(int slot, string name)
        {
            return Folder(slot) + "/" + name;
        }

        /// <summary>The other slot.</summary>
        public static int Other(int slot)
        {
            return slot == SlotA ? SlotB : SlotA;
        }

        /// <summary>"a" or "b".</summary>
        public static string Name(int slot)
        {
            return slot == SlotA ? "a" : "b";
        }
    }
}
