using System;
using System.Threading;
using SecureDevice.Core.Telemetry;

namespace SecureDevice.Adapters.Telemetry
{
    /// <summary>
    /// The idle probe behind the health report's compute load (docs/telemetry.md): a <see cref="ThreadPriority.Lowest"/>
    /// thread that counts loop iterations during a short measuring window every few seconds. Whatever else runs takes CPU
    /// from it, so it counts fewer per millisecond; <see cref="ComputeLoad"/> in the core turns the counts into a load.
    /// It counts only in windows (<see cref="WindowMs"/> every <see cref="PeriodMs"/>, 2 % of the time) because a thread
    /// spinning all the time would keep the CPU busy and raise the very supply current the service compares.
    /// Calibration runs the same loop at the same priority on the calling thread at boot, before anything else starts.
    /// </summary>
    public sealed class IdleProbe
    {
        /// <summary>Length of one measuring window, ms.</summary>
        public const int WindowMs = 100;

        /// <summary>One window starts every this many ms.</summary>
        public const int PeriodMs = 5000;

        /// <summary>Calibration windows at boot and their length, ms (one second in all).</summary>
        public const int CalibrationWindows = 5;

        /// <summary>Length of one calibration window, ms.</summary>
        public const int CalibrationWindowMs = 200;

        private readonly object _gate = new object();
        private readonly int[] _calibrationIterations = new int[CalibrationWindows];
        private readonly int[] _calibrationMs = new int[CalibrationWindows];
        private int _iterations;
        private int _milliseconds;
        private Thread _thread;

        /// <summary>
        /// Measures the calibration windows on the calling thread, lowered to the probe's priority for the time (about one
        /// second). Call first thing at boot, before the loader starts the application or the network.
        /// </summary>
        public void MeasureCalibration()
        {
            Thread current = Thread.CurrentThread;
            ThreadPriority saved = current.Priority;
            current.Priority = ThreadPriority.Lowest;
            try
            {
                for (int i = 0; i < CalibrationWindows; i++)
                {
                    long start = Environment.TickCount64;
                    _calibrationIterations[i] = Count(start + CalibrationWindowMs);
                    _calibrationMs[i] = (int)(Environment.TickCount64 - start);
                }
            }
            finally
            {
                current.Priority = saved;
            }
        }

        /// <summary>Hands the calibration windows to the core, which keeps the fastest valid one.</summary>
        public void Calibrate(ComputeLoad load)
        {
            for (int i = 0; i < CalibrationWindows; i++)
            {
                load.Calibrate(_calibrationIterations[i], _calibrationMs[i]);
            }
        }

        /// <summary>Starts the measuring thread (once).</summary>
        public void Start()
        {
            if (_thread != null)
            {
                return;
            }

            _thread = new Thread(Run);
            _thread.Priority = ThreadPriority.Lowest;
            _thread.Start();
        }

        /// <summary>Iterations and measuring milliseconds since <see cref="Start"/>, cumulative (wrapping).</summary>
        public bool TryRead(out int iterations, out int milliseconds)
        {
            lock (_gate)
            {
                iterations = _iterations;
                milliseconds = _milliseconds;
                return _thread != null;
            }
        }

        private void Run()
        {
            while (true)
            {
                Thread.Sleep(PeriodMs - WindowMs);
                long start = Environment.TickCount64;
                int counted = Count(start + WindowMs);
                int measured = (int)(Environment.TickCount64 - start);
                lock (_gate)
                {
                    _iterations = unchecked(_iterations + counted);
                    _milliseconds = unchecked(_milliseconds + measured);
                }
            }
        }

        // The loop itself: 64 increments per clock read, so reading the clock costs the same share at any load.
        private static int Count(long untilMs)
        {
            int counted = 0;
            while (true)
            {
                for (int i = 0; i < 64; i++)
                {
                    counted++;
                }

                if (Environment.TickCount64 >= untilMs)
                {
                    return counted;
                }
            }
        }
    }
}
