using SecureDevice.Core.Application;
using SecureDevice.Core.Bundle;
using SecureDevice.Core.Telemetry;
using SecureDevice.Core.Update;

namespace SecureDevice.Core.Boot
{
    /// <summary>
    /// The loader: the one boot sequence that the ESP32 firmware, the virtual devices, the device tests and the update
    /// simulation all run (docs/update-engine.md, "The loader"). It plans the boot (<see cref="BootPlanner"/>), checks that
    /// the planned slot fits in memory, reads every payload file into memory and hashes exactly those bytes
    /// (<see cref="SlotImage"/>), and only when all verified hands them to the runtime, then starts the entry point.
    /// <list type="bullet">
    /// <item>A failure before anything was loaded (a file that does not verify, too little memory) falls back as the planner
    /// decides, in this process: a candidate is reverted and the active slot tried.</item>
    /// <item>A failure after the runtime took an assembly (it did not load, the entry point is missing, memory ran out) taints
    /// the process: nanoFramework cannot unload what was loaded, and the other slot's types would bind to it. A candidate is
    /// reverted in the journal and <see cref="BootResult.RebootRequired"/> returned (the boot marker already says
    /// <see cref="BootReason.Revert"/>); the active slot is skipped for this boot and the device runs without it.</item>
    /// <item>Every failure is written to the fault record, which the agent reports once connected; so is a plan that refused
    /// the only signed slot for the anti-rollback floor after the journal was lost (<see cref="FaultCode.RollbackRefused"/>),
    /// and a plan that booted nothing because neither the journal nor the floor record could be read
    /// (<see cref="FaultCode.FloorUnknown"/>). A floor-record save that failed during the boot is passed to the fault record
    /// after all of them (<see cref="FaultCode.FloorSaveFailed"/>, <see cref="FaultLog.NoteFloorSaveFailures"/>).</item>
    /// </list>
    /// Memory: the payload must fit <see cref="BootOptions.MaxPayloadBytes"/> and leave <see cref="BootOptions.MemoryReserveBytes"/>
    /// free; an <c>OutOfMemoryException</c> while reading is caught and handled as a failure before loading.
    /// </summary>
    public sealed class BootSequence
    {
        /// <summary>Most slots tried in one boot (candidate, then active).</summary>
        public const int MaxAttempts = 3;

        private readonly UpdateStack _stack;
        private readonly IApplicationRuntime _runtime;
        private readonly BootSession _session;
        private readonly PayloadCheck _check = new PayloadCheck();
        private readonly BootPlan _plan = new BootPlan();

        /// <summary>A sequence over <paramref name="stack"/> that loads through <paramref name="runtime"/> and fills <paramref name="session"/>.</summary>
        public BootSequence(UpdateStack stack, IApplicationRuntime runtime, BootSession session)
        {
            if (stack == null)
            {
                throw new System.ArgumentNullException("stack");
            }

            if (runtime == null)
            {
                throw new System.ArgumentNullException("runtime");
            }

            if (session == null)
            {
                throw new System.ArgumentNullException("session");
            }

            _stack = stack;
            _runtime = runtime;
            _session = session;
            LastDetail = string.Empty;
        }

        /// <summary>The plan after <see cref="Run"/> (what was decided, what the engine starts from).</summary>
        public BootPlan Plan
        {
            get { return _plan; }
        }

        /// <summary>The outcome of the last failed load attempt (<see cref="UpdateOutcome"/>), or <see cref="UpdateOutcome.None"/>.</summary>
        public UpdateOutcome LastFailure { get; private set; }

        /// <summary>One line about the last failed attempt, or empty.</summary>
        public string LastDetail { get; private set; }

        /// <summary>Load attempts this boot that failed.</summary>
        public int FailedAttempts { get; private set; }

        /// <summary>Runs the boot once. See the class summary for what each result means.</summary>
        public BootResult Run()
        {
            BootResult result = Boot();
            // Floor-record saves that failed in this boot (the planner's repair, the journal saves of an adoption or a revert)
            // go to the fault record last: the fault record decides, and never displaces the loader's own faults with it.
            _session.Faults.NoteFloorSaveFailures(_stack.Journal.FloorSaveFailures);
            // The fault is published once per boot; the health reports say, each time, whether the condition still holds.
            _session.Application.UpdateRecordsUnreadable = _stack.Journal.FloorUnknown;
            _session.Application.FloorRecordLagging = _stack.Journal.FloorRecordLagging;
            return result;
        }

        private BootResult Boot()
        {
            _stack.Planner.Plan(_plan);
            if (_plan.Decision == BootDecision.AdoptInstalled && _plan.ActiveStatus == BundleStatus.SecurityVersionRollback)
            {
                // Row 1b: the journal is gone and the only signed slot is older than the floor. Someone erased the update
                // state and left an older image, or flash is failing; either way the service must hear of it, not just see
                // a device without an application. Recorded on every such boot, like any load failure.
                _session.Faults.Record(FaultCode.RollbackRefused, "journal lost; slot below floor " + _stack.Journal.Current.SecurityFloor.ToString() + " refused");
            }
            else if (_stack.Journal.FloorUnknown)
            {
                // Row 1b with no floor known: both records failed to read, so nothing runs this boot. The flash is failing;
                // the service must hear why the device runs no application. The fault record is on the same flash: when its
                // save fails too, the fault is still reported from memory this run (FaultLog).
                _session.Faults.Record(FaultCode.FloorUnknown, "journal and floor record unreadable");
            }

            for (int attempt = 0; attempt < MaxAttempts && _plan.Slot >= 0; attempt++)
            {
                bool tainted;
                string detail;
                UpdateOutcome outcome = TryStart(out tainted, out detail);
                if (outcome == UpdateOutcome.None)
                {
                    Describe();
                    return BootResult.Running;
                }

                bool candidate = _plan.Testing;
                string what = SlotLayout.Name(_plan.Slot) + " " + _plan.Manifest.Version.ToString() + ": ";
                FailedAttempts++;
                LastFailure = outcome;
                LastDetail = what + UpdateOutcomes.Name(outcome) + " " + detail;
                _stack.Planner.OnLoadFailed(_plan, outcome);
                _session.Faults.Record(outcome == UpdateOutcome.RevertedNoMemory ? FaultCode.OutOfMemory : FaultCode.LoadFailed, LastDetail);
                if (tainted)
                {
                    if (candidate)
                    {
                        _session.Tracker.BeforeReboot(BootReason.Revert);
                        return BootResult.RebootRequired;
                    }

                    return BootResult.NoApplication;
                }
            }

            return BootResult.NoApplication;
        }

        // Verifies and loads the planned slot. Returns UpdateOutcome.None when the application started, else the outcome to
        // record; `tainted` says whether the runtime took any of it.
        private UpdateOutcome TryStart(out bool tainted, out string detail)
        {
            tainted = false;
            detail = string.Empty;
            Manifest manifest = _plan.Manifest;
            BootOptions options = _stack.Options;
            long total = manifest.TotalFileBytes;
            if (options.MaxPayloadBytes > 0 && total > options.MaxPayloadBytes)
            {
                detail = total.ToString() + " payload bytes over the loader limit of " + options.MaxPayloadBytes.ToString();
                return UpdateOutcome.RevertedNoMemory;
            }

            long free = _runtime.FreeBytes();
            if (free >= 0 && free - total < options.MemoryReserveBytes)
            {
                detail = total.ToString() + " payload bytes with " + free.ToString() + " free";
                return UpdateOutcome.RevertedNoMemory;
            }

            // Every file is verified before any is loaded: what the runtime gets is exactly what was hashed. (The manifest
            // parser guarantees that the entry assembly is one of the files.)
            byte[][] images = new byte[manifest.FileCount][];
            for (int i = 0; i < manifest.FileCount; i++)
            {
                BundleFile file = manifest.Files[i];
                BundleStatus status;
                try
                {
                    status = SlotImage.TryLoad(_stack.Store, _plan.Slot, file, _check, out images[i]);
                }
                catch (System.OutOfMemoryException)
                {
                    images = null;
                    detail = file.Name;
                    return UpdateOutcome.RevertedNoMemory;
                }

                if (status != BundleStatus.Verified)
                {
                    detail = file.Name + " " + BundleStatusText.Name(status);
                    return UpdateOutcome.RevertedCorrupt;
                }
            }

            for (int i = 0; i < images.Length; i++)
            {
                ApplicationStart loaded = _runtime.Load(manifest.Files[i].Name, images[i]);
                if (loaded != ApplicationStart.Started)
                {
                    tainted = true;
                    detail = manifest.Files[i].Name + " " + Name(loaded);
                    return loaded == ApplicationStart.OutOfMemory ? UpdateOutcome.RevertedNoMemory : UpdateOutcome.RevertedAppFailed;
                }
            }

            ApplicationStart started = _runtime.Start(manifest.EntryAssembly, manifest.EntryType, manifest.EntryMethod, _session.Application);
            if (started != ApplicationStart.Started)
            {
                tainted = true;
                detail = manifest.EntryType + "." + manifest.EntryMethod + " " + Name(started);
                return started == ApplicationStart.OutOfMemory ? UpdateOutcome.RevertedNoMemory : UpdateOutcome.RevertedAppFailed;
            }

            return UpdateOutcome.None;
        }

        private void Describe()
        {
            Manifest manifest = _plan.Manifest;
            RunningApplication application = _session.Application;
            application.Loaded = true;
            application.Version = manifest.Version;
            application.SecurityVersion = manifest.SecurityVersion;
            application.SlotB = _plan.Slot == SlotLayout.SlotB;
            application.Testing = _plan.Testing;
        }

        /// <summary>Stable lower-case name of a runtime answer.</summary>
        public static string Name(ApplicationStart start)
        {
            switch (start)
            {
                case ApplicationStart.Started: return "started";
                case ApplicationStart.EntryMissing: return "entry-missing";
                case ApplicationStart.Threw: return "threw";
                default: return "out-of-memory";
            }
        }
    }
}
