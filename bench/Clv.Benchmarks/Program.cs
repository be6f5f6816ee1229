using BenchmarkDotNet.Running;
using Clv.Analytics.Models;
using Clv.Benchmarks;

if (args.Length > 0 && args[0] == "--describe")
{
    // Prints the data sizes and fitted numbers the benchmarks work on.
    var customers = CdnowMaster.Load(CdnowMaster.DefaultPath());
    var patterns = RfmPattern.Collapse(customers);
    var bg = BgNbd.Fit(patterns);
    var gg = GammaGamma.Fit(customers.Select(c => c.ToSpendPattern()).ToList());
    Console.WriteLine($"customers {customers.Count}, distinct patterns {patterns.Count}");
    Console.WriteLine($"BG/NBD {bg.Parameters} LL {bg.LogLikelihood:F2} iterations {bg.Iterations} SE {bg.StandardErrors}");
    Console.WriteLine($"Gamma-Gamma {gg.Parameters} LL {gg.LogLikelihood:F2} n {gg.Observations} iterations {gg.Iterations}");
    return;
}

if (args.Length > 0 && args[0] == "--intervals-cpu")
{
    // The intervals stage's wall and processor seconds per call, for comparing builds on a busy machine (processor
    // time depends less on what else runs than wall time does).
    var benchmark = new IntervalBenchmarks { Scale = 40 };
    benchmark.Setup();
    var process = System.Diagnostics.Process.GetCurrentProcess();
    for (var i = 0; i < (args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5); i++)
    {
        process.Refresh();
        var cpu = process.TotalProcessorTime;
        var wall = System.Diagnostics.Stopwatch.StartNew();
        benchmark.Intervals();
        process.Refresh();
        Console.WriteLine($"intervals: {wall.Elapsed.TotalSeconds:F2} s wall, {(process.TotalProcessorTime - cpu).TotalSeconds:F2} s processor");
    }

    return;
}

BenchmarkSwitcher.FromAssembly(typeof(ModelBenchmarks).Assembly).Run(args);
