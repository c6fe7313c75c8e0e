using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Conduit.Benchmarks;

/// <summary>
/// The CI guard on the per-packet path: BenchmarkDotNet runs the hot-path and parser benchmarks in a short job
/// with the memory diagnoser, and any allocation per operation fails the run. Times are printed, not judged:
/// a shared CI machine is no place for timing assertions (the figures come from full benchmark runs).
/// </summary>
static class AllocationGuard
{
    public static int Run()
    {
        var config = ManualConfig.CreateEmpty()
            .AddJob(Job.ShortRun.WithToolchain(InProcessEmitToolchain.Instance))
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .AddLogger(NullLogger.Instance)
            .WithOptions(ConfigOptions.DisableLogFile);
        int passed = 0, failed = 0;
        foreach (var summary in BenchmarkRunner.Run([typeof(HotPathBenchmark), typeof(ParserBenchmark)], config))
        {
            foreach (var report in summary.Reports)
            {
                var name = $"{report.BenchmarkCase.Descriptor.WorkloadMethod.Name}({report.BenchmarkCase.Parameters.DisplayInfo})";
                if (!report.Success || report.ResultStatistics is null)
                {
                    Console.WriteLine($"guard: FAIL {name} did not run");
                    failed++;
                    continue;
                }
                long bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase) ?? -1;
                var line = $"{name}: {report.ResultStatistics.Mean:0.0} ns/op, {bytes} B/op";
                if (bytes == 0) { Console.WriteLine($"guard: ok {line}"); passed++; }
                else { Console.WriteLine($"guard: FAIL {line} (the per-packet path must not allocate)"); failed++; }
            }
        }
        Console.WriteLine($"guard: {passed} passed, {failed} failed");
        return failed == 0 && passed > 0 ? 0 : 1;
    }
}
