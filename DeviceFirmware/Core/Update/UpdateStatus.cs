using SecureDevice.Core.Bundle;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Core.Update
{
    /// <summary>
    /// What the update engine shows the platform, the event writer, the simulator and the tests: the state, the candidate,
    /// the last outcome and its detail, the download's progress, the event sequence and a requested reboot. A read-only
    /// view for everyone but <see cref="UpdateEngine"/>, its only writer (<see cref="State"/> changes only in its
    /// <c>Enter</c> and at <see cref="UpdateEngine.Start"/>). No decision of the engine reads it except the state.
    /// </summary>
    public sealed class UpdateStatus
    {
        private readonly UpdateReport _report;
        // The download's numbers only, never the download itself: a holder of the status must not keep the download's
        // verifier, buffer and manifest alive (see DownloadProgress).
        private readonly DownloadProgress _progress;

        internal UpdateStatus(UpdateReport report, DownloadProgress progress, UpdateStatistics statistics)
        {
            _report = report;
            _progress = progress;
            Statistics = statistics;
        }

        /// <summary>
        /// Where the update is. Offered, Verifying and WaitingForReboot are transient; the others mirror the journal. It
        /// changes only through the engine's <c>Enter</c>, along <see cref="UpdateTransitions"/>, and afresh at each boot.
        /// </summary>
        public UpdateState State { get; internal set; }

        /// <summary>The candidate's verified manifest while Downloading, Verifying, Staged or Testing, else null.</summary>
        public Manifest Candidate { get; internal set; }

        /// <summary>The last outcome (<see cref="UpdateReport.Outcome"/>).</summary>
        public UpdateOutcome LastOutcome
        {
            get { return _report.Outcome; }
        }

        /// <summary>One line explaining <see cref="LastOutcome"/> when it is a failure, else null (<see cref="UpdateReport.Detail"/>).</summary>
        public string LastDetail
        {
            get { return _report.Detail; }
        }

        /// <summary>Payload bytes of the candidate verified so far (on flash or streamed), for progress reports.</summary>
        public long BytesDone
        {
            get { return _progress.BytesDone; }
        }

        /// <summary>Total payload bytes of the candidate.</summary>
        public long BytesTotal
        {
            get { return _progress.BytesTotal; }
        }

        /// <summary>Increments whenever something worth an event happens (state, outcome, half of the download done).</summary>
        public int EventSequence
        {
            get { return _report.Events + _progress.Events; }
        }

        /// <summary>True when the platform should reboot (after publishing the pending event): to test a staged slot or after a revert.</summary>
        public bool RebootRequested
        {
            get { return _report.RebootRequested; }
        }

        /// <summary>Why the reboot is requested (<see cref="BootReason.Update"/> or <see cref="BootReason.Revert"/>).</summary>
        public BootReason RebootReason
        {
            get { return _report.RebootReason; }
        }

        /// <summary>What the engine did since boot (offers, failures, bytes received and re-hashed, resumes).</summary>
        public UpdateStatistics Statistics { get; private set; }
    }
}
