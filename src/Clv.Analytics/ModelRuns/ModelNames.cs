namespace Clv.Analytics.ModelRuns;

/// <summary>The models a run can fit, by the names requests and stored runs give them.</summary>
public static class ModelNames
{
    /// <summary>BG/NBD: <see cref="Models.BgNbd"/>.</summary>
    public const string BgNbd = "bgnbd";

    /// <summary>Pareto/NBD: <see cref="Models.ParetoNbd"/>.</summary>
    public const string ParetoNbd = "paretonbd";

    /// <summary>MBG/NBD: <see cref="Models.ModifiedBgNbd"/>.</summary>
    public const string ModifiedBgNbd = "mbgnbd";

    /// <summary>BG/BB over discrete opportunities (calendar periods): <see cref="Models.BgBb"/>.</summary>
    public const string BgBb = "bgbb";

    /// <summary>The Gamma-Gamma spend model: <see cref="Models.GammaGamma"/>; every run fits it, as CLV needs it.</summary>
    public const string GammaGamma = "gammagamma";

    /// <summary>
    /// The shifted-beta-geometric model of subscriptions (<see cref="Models.ShiftedBetaGeometric"/>), one per cohort:
    /// contractual, so it runs on its own, never beside the purchase models.
    /// </summary>
    public const string Sbg = "sbg";

    /// <summary>The purchase models, any of which can give the per-customer figures.</summary>
    public static IReadOnlyList<string> PurchaseModels { get; } = [BgNbd, ParetoNbd, ModifiedBgNbd, BgBb];
}
