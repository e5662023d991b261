using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace SecureDevice.WebConsole.Graphs;

/// <summary>One line of a chart: points (Unix ms, value) in time order, drawn in the CSS class <c>s0</c>, <c>s1</c>...</summary>
public sealed record ChartSeries(string Label, IReadOnlyList<(long AtMs, double Value)> Points);

/// <summary>
/// Server-side SVG line charts (no script, so the CSP can forbid all script). Every text that reaches the markup is
/// HTML-encoded here; numbers are written in the invariant culture. Marks (anomalies, reboots) are vertical lines.
/// </summary>
public static class SvgChart
{
    public const int Width = 640;
    public const int Height = 180;
    private const int Left = 56;
    private const int Right = 8;
    private const int Top = 20;
    private const int Bottom = 22;

    public static string Render(string title, string unit, long fromMs, long toMs, IReadOnlyList<ChartSeries> series, IReadOnlyList<(long AtMs, string Label)> marks)
    {
        HtmlEncoder encode = HtmlEncoder.Default;
        double min = double.MaxValue, max = double.MinValue;
        foreach (ChartSeries s in series)
        {
            foreach ((_, double v) in s.Points)
            {
                min = Math.Min(min, v);
                max = Math.Max(max, v);
            }
        }

        bool empty = min > max;
        if (empty)
        {
            (min, max) = (0, 1);
        }
        else if (max - min < 1e-9)
        {
            (min, max) = (min - 1, max + 1);
        }

        double span = Math.Max(1, toMs - fromMs);
        double plotW = Width - Left - Right, plotH = Height - Top - Bottom;
        string X(long at) => F(Left + (Math.Clamp(at, fromMs, toMs) - fromMs) / span * plotW);
        string Y(double v) => F(Top + plotH - ((v - min) / (max - min) * plotH));

        var svg = new StringBuilder();
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" role=\"img\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" aria-label=\"").Append(encode.Encode(title)).Append("\">");
        svg.Append("<title>").Append(encode.Encode(title)).Append("</title>");
        svg.Append("<text class=\"t\" x=\"").Append(Left).Append("\" y=\"14\">").Append(encode.Encode(title + (unit.Length > 0 ? " (" + unit + ")" : string.Empty))).Append("</text>");
        svg.Append("<rect class=\"frame\" x=\"").Append(Left).Append("\" y=\"").Append(Top).Append("\" width=\"").Append(F(plotW)).Append("\" height=\"").Append(F(plotH)).Append("\"/>");
        svg.Append("<text class=\"a\" x=\"2\" y=\"").Append(Top + 10).Append("\">").Append(F(max)).Append("</text>");
        svg.Append("<text class=\"a\" x=\"2\" y=\"").Append(Height - Bottom).Append("\">").Append(F(min)).Append("</text>");
        svg.Append("<text class=\"a\" x=\"").Append(Left).Append("\" y=\"").Append(Height - 6).Append("\">").Append(Time(fromMs)).Append("</text>");
        svg.Append("<text class=\"a\" x=\"").Append(Width - Right - 110).Append("\" y=\"").Append(Height - 6).Append("\">").Append(Time(toMs)).Append("</text>");
        foreach ((long at, string label) in marks)
        {
            svg.Append("<line class=\"mark\" x1=\"").Append(X(at)).Append("\" x2=\"").Append(X(at)).Append("\" y1=\"").Append(Top).Append("\" y2=\"").Append(Height - Bottom)
                .Append("\"><title>").Append(encode.Encode(label)).Append("</title></line>");
        }

        for (int i = 0; i < series.Count; i++)
        {
            if (series[i].Points.Count == 0)
            {
                continue;
            }

            svg.Append("<polyline class=\"s").Append(i).Append("\" points=\"");
            foreach ((long at, double v) in series[i].Points)
            {
                svg.Append(X(at)).Append(',').Append(Y(v)).Append(' ');
            }

            svg.Append("\"><title>").Append(encode.Encode(series[i].Label)).Append("</title></polyline>");
        }

        if (empty)
        {
            svg.Append("<text class=\"a\" x=\"").Append(Width / 2 - 30).Append("\" y=\"").Append(Height / 2).Append("\">no data</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    private static string F(double value) => value.ToString("0.##", CultureInfo.InvariantCulture);

    private static string Time(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms).UtcDateTime.ToString("yyyy-MM-dd HH:mm'Z'", CultureInfo.InvariantCulture);
}
