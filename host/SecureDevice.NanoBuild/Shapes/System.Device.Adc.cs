// The shape of System.Device.Adc 1.1.24 (source: System.Device.Adc v1.1.24, ac05de033b9d): the abstract bases, overrides,
// return types and parameter names the listing's doc-IDs do not carry. Only declarations; ListingReferenceBuilder checks
// each member against System.Device.Adc.txt.
using System;

namespace System.Device.Adc
{
    public abstract class AdcChannelBase
    {
        protected AdcChannelBase();
        public abstract int ReadValue();
        public double ReadRatio();
        public AdcController Controller { get; }
    }

    public class AdcChannel : AdcChannelBase, IDisposable
    {
        internal AdcChannel(AdcController controller, int channelNumber);
        public override int ReadValue();
        public void Dispose();
        ~AdcChannel();
    }

    public enum AdcChannelMode
    {
        SingleEnded = 0,
        Differential,
    }

    public abstract class AdcControllerBase
    {
        protected AdcControllerBase();
        public abstract bool IsChannelModeSupported(AdcChannelMode channelMode);
        public abstract AdcChannel OpenChannel(int channelNumber);
        public abstract int ChannelCount { get; }
        public abstract AdcChannelMode ChannelMode { get; set; }
        public abstract int MaxValue { get; }
        public abstract int MinValue { get; }
        public abstract int ResolutionInBits { get; }
    }

    public class AdcController : AdcControllerBase
    {
        public AdcController();
        public override int ChannelCount { get; }
        public override AdcChannelMode ChannelMode { get; set; }
        public override int MaxValue { get; }
        public override int MinValue { get; }
        public override int ResolutionInBits { get; }
        public override bool IsChannelModeSupported(AdcChannelMode channelMode);
        public override AdcChannel OpenChannel(int channelNumber);
    }
}
