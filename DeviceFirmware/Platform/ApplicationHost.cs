using System;
using System.Diagnostics;
using System.Reflection;
using System.Threading;
using SecureDevice.Core.Application;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Storage;
using SecureDevice.Core.Update;

namespace SecureDevice.Platform
{
    /// <summary>
    /// Loads the slot the <see cref="BootPlanner"/> chose and starts its entry point: every payload file is read into
    /// memory and hashed (<see cref="SlotImage"/>) and exactly those bytes go to <c>Assembly.Load</c>. When a file does not
    /// verify, an assembly does not load, or the entry point cannot be found or throws while starting, the planner
    /// decides the fallback (a candidate is reverted at once) and the next planned slot is tried.
    /// </summary>
    internal sealed class ApplicationHost
    {
        private readonly IFileStore _store;
        private readonly BootPlanner _planner;
        private readonly RunningApplication _application;
        private UpdateEngine _engine;
        private MethodInfo _entry;

        internal ApplicationHost(IFileStore store, BootPlanner planner, RunningApplication application)
        {
            _store = store;
            _planner = planner;
            _application = application;
        }

        /// <summary>Loads the planned slot (or its fallbacks) and describes what runs in the application record.</summary>
        internal void Load(BootPlan plan)
        {
            PayloadCheck check = new PayloadCheck();
            for (int attempt = 0; attempt < 3 && plan.Slot >= 0; attempt++)
            {
                int outcome = TryLoad(plan, check);
                if (outcome == UpdateOutcome.None)
                {
                    Manifest manifest = plan.Manifest;
                    _application.Loaded = true;
                    _application.Version = manifest.Version;
                    _application.SecurityVersion = manifest.SecurityVersion;
                    _application.SlotB = plan.Slot == SlotLayout.SlotB;
                    _application.Testing = plan.Testing;
                    Debug.WriteLine("loader: running " + manifest.Version.ToString() + " from slot " + SlotLayout.Name(plan.Slot) + (plan.Testing ? " (testing)" : string.Empty));
                    return;
                }

                Debug.WriteLine("loader: slot " + SlotLayout.Name(plan.Slot) + " refused: " + UpdateOutcome.Name(outcome));
                _planner.OnLoadFailed(plan, outcome);
            }

            Debug.WriteLine("loader: no verified application; running without one");
        }

        /// <summary>Starts the entry point on its own thread; a failure later is reported to <paramref name="engine"/>.</summary>
        internal void Start(UpdateEngine engine)
        {
            _engine = engine;
            if (_entry != null)
            {
                new Thread(RunEntryPoint).Start();
            }
        }

        private int TryLoad(BootPlan plan, PayloadCheck check)
        {
            Manifest manifest = plan.Manifest;
            Assembly entryAssembly = null;

            // Every file is verified before any is loaded: nanoFramework cannot unload an assembly, so a slot that fails
            // half-way must not leave its first files loaded under the fallback slot's.
            byte[][] images = new byte[manifest.FileCount][];
            for (int i = 0; i < manifest.FileCount; i++)
            {
                if (SlotImage.TryLoad(_store, plan.Slot, manifest.Files[i], check, out images[i]) != BundleStatus.Verified)
                {
                    return UpdateOutcome.RevertedCorrupt;
                }
            }

            try
            {
                for (int i = 0; i < manifest.FileCount; i++)
                {
                    Assembly loaded = Assembly.Load(images[i]);
                    if (manifest.Files[i].Name == manifest.EntryAssembly + ".pe")
                    {
                        entryAssembly = loaded;
                    }
                }

                Type type = entryAssembly == null ? null : entryAssembly.GetType(manifest.EntryType);
                _entry = type == null ? null : type.GetMethod(manifest.EntryMethod, BindingFlags.Public | BindingFlags.Static);
            }
            catch (Exception error)
            {
                Debug.WriteLine("loader: load failed: " + error.Message);
                _entry = null;
            }

            return _entry == null ? UpdateOutcome.RevertedAppFailed : UpdateOutcome.None;
        }

        private void RunEntryPoint()
        {
            try
            {
                _entry.Invoke(null, null);
            }
            catch (Exception error)
            {
                // The application died: a candidate under test is reverted by the engine; a confirmed one keeps the device
                // connected and reporting without it until the next boot or update.
                Debug.WriteLine("loader: application failed: " + error.Message);
                _application.Failed = true;
                if (_engine != null)
                {
                    _engine.OnApplicationFailed();
                }
            }
        }
    }
}
