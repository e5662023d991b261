using SecureDevice.Fleet.Text;
using Xunit;

namespace SecureDevice.Fleet.Tests.Text;

public sealed class PrintableTests
{
    [Theory]
    [InlineData("plain text, ünïcödé and 漢字", "plain text, ünïcödé and 漢字")]
    [InlineData("\u001b[2K\rverified: x", "\\x1b[2K\\x0dverified: x")]
    [InlineData("a\nb\tc\0d\u007f", "a\\x0ab\\x09c\\x00d\\x7f")]
    [InlineData("c1 \u009b31m", "c1 \\x9b31m")]
    [InlineData("bidi \u202eevil\u2066", "bidi \\u{202e}evil\\u{2066}")]
    [InlineData("sep \u2028 \u2029 zw\u200b", "sep \\u{2028} \\u{2029} zw\\u{200b}")]
    [InlineData("emoji 😀 kept", "emoji 😀 kept")]
    [InlineData("tag \U000E0041", "tag \\u{e0041}")]
    public void Escape_LeavesNothingThatMovesTheCursorOrHidesText(string input, string expected)
    {
        Assert.Equal(expected, Printable.Escape(input));
    }

    [Fact]
    public void Escape_LoneSurrogate_IsEscaped()
    {
        Assert.Equal("lone \\u{d800} high", Printable.Escape("lone " + (char)0xD800 + " high"));
        Assert.Equal("\\u{dc00}", Printable.Escape(((char)0xDC00).ToString()));
    }

    [Fact]
    public void CSharpComment_OnlyPrintableAscii()
    {
        Assert.Equal("a\\u000a\"x\",\\u000d\\u00e9", GeneratedText.CSharpComment("a\n\"x\",\r\u00e9"));
    }

    [Theory]
    [InlineData("/tmp/ok path/file.pem", true)]
    [InlineData("/tmp/x\nlistener 1884", false)]
    [InlineData("/tmp/x\r", false)]
    [InlineData(" /tmp/x", false)]
    [InlineData("/tmp/x ", false)]
    [InlineData("", false)]
    [InlineData("/tmp/\u0085x", false)]
    public void MosquittoValue_RefusesWhatWouldChangeTheConfig(string value, bool accepted)
    {
        if (accepted)
        {
            Assert.Equal(value, GeneratedText.MosquittoValue(value, "test"));
        }
        else
        {
            Assert.Equal(FleetError.InvalidArgument, Assert.Throws<FleetException>(() => GeneratedText.MosquittoValue(value, "test")).Error);
        }
    }
}
