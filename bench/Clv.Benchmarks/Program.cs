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

BenchmarkSwitcher.FromAssembly(typeof(ModelBenchmarks).Assembly).Run(args);
