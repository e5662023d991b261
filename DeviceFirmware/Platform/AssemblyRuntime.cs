using System;
using System.Reflection;
using System.Threading;
using SecureDevice.Core.Application;
using SecureDevice.Core.Boot;

namespace SecureDevice.Platform
{
    /// <summary>
    /// The ESP32's <see cref="IApplicationRuntime"/>: <c>Assembly.Load</c> of the bytes the core's
    /// <see cref="BootSequence"/> verified, and the entry point on a thread of its own. No decision is taken here: every
    /// exception becomes an <see cref="ApplicationStart"/>, and the application's thread only calls
    /// <see cref="RunningApplication.ReportFailure"/> when the entry point throws.
    /// </summary>
    internal sealed class AssemblyRuntime : IApplicationRuntime
    {
        private readonly Assembly[] _loaded = new Assembly[16];
        private readonly string[] _names = new string[16];
        private int _count;
        private MethodInfo _entry;
        private RunningApplication _application;

        /// <summary>Free managed memory after a full, compacting collection.</summary>
        public long FreeBytes()
        {
            try
            {
                return nanoFramework.Runtime.Native.GC.Run(true);
            }
            catch (Exception)
            {
                return -1;
            }
        }

        /// <summary>Loads one verified image. <c>Assembly.Load</c> links it and runs its static constructors.</summary>
        public ApplicationStart Load(string fileName, byte[] image)
        {
            if (_count == _loaded.Length)
            {
                return ApplicationStart.Threw;
            }

            try
            {
                Assembly assembly = Assembly.Load(image);
                if (assembly == null)
                {
                    return ApplicationStart.Threw;
                }

                _loaded[_count] = assembly;
                _names[_count] = fileName;
                _count++;
                return ApplicationStart.Started;
            }
            catch (OutOfMemoryException)
            {
                return ApplicationStart.OutOfMemory;
            }
            catch (Exception)
            {
                return ApplicationStart.Threw;
            }
        }

        /// <summary>Finds the entry point among the loaded assemblies and starts it on its own thread.</summary>
        public ApplicationStart Start(string assembly, string type, string method, RunningApplication application)
        {
            try
            {
                Assembly entryAssembly = null;
                for (int i = 0; i < _count; i++)
                {
                    if (_names[i] == assembly + ".pe")
                    {
                        entryAssembly = _loaded[i];
                    }
                }

                Type entryType = entryAssembly == null ? null : entryAssembly.GetType(type);
                _entry = entryType == null ? null : entryType.GetMethod(method, BindingFlags.Public | BindingFlags.Static);
                if (_entry == null)
                {
                    return ApplicationStart.EntryMissing;
                }

                _application = application;
                new Thread(Run).Start();
                return ApplicationStart.Started;
            }
            catch (OutOfMemoryException)
            {
                return ApplicationStart.OutOfMemory;
            }
            catch (Exception)
            {
                return ApplicationStart.Threw;
            }
        }

        private void Run()
        {
            try
            {
                _entry.Invoke(null, null);
            }
            catch (Exception error)
            {
                // Only a flag for the main loop: the update engine is never called from this thread.
                Exception cause = error.InnerException != null ? error.InnerException : error;
                _application.ReportFailure(cause.GetType().Name + ": " + cause.Message);
            }
        }
    }
}
