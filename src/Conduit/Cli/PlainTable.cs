namespace Conduit.Cli;

/// <summary>Left-aligned columns separated by two spaces: readable, grep-able and NO_COLOR-safe.</summary>
internal static class PlainTable
{
    public static void Print(TextWriter output, string[] header, IEnumerable<string[]> rows)
    {
        var all = new List<string[]> { header };
        all.AddRange(rows);
        var widths = new int[header.Length];
        foreach (var row in all)
            for (int i = 0; i < row.Length; i++)
                widths[i] = Math.Max(widths[i], row[i].Length);
        foreach (var row in all)
        {
            for (int i = 0; i < row.Length; i++)
            {
                if (i == row.Length - 1) output.Write(row[i]);
                else output.Write(row[i].PadRight(widths[i] + 2));
            }
            output.WriteLine();
        }
    }
}
