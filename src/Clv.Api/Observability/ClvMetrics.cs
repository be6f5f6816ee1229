using System.Diagnostics.Metrics;

namespace Clv.Api.Observability;

/// <summary>
/// Clv's own instruments, on the meter <see cref="MeterName"/> (docs/operations.md, "Metrics and
/// traces" lists each with its unit). Recording costs next to nothing while no exporter listens.
/// </summary>
public sealed class ClvMetrics
{
    /// <summary>The meter's name, as an exporter subscribes to it.</summary>
    public const string MeterName = "Clv";

    /// <summary>Kinds of ingested data, the <c>kind</c> tag.</summary>
    public static class Kinds
    {
        /// <summary>Customer profiles.</summary>
        public const string Customers = "customers";

        /// <summary>Purchases and refunds, JSON or CSV.</summary>
        public const string Transactions = "transactions";

        /// <summary>NPS and CSAT answers, JSON or CSV.</summary>
        public const string Feedback = "feedback";

        /// <summary>Subscriptions created or changed, JSON or CSV.</summary>
        public const string Subscriptions = "subscriptions";

        /// <summary>Acquisition spend per channel and period.</summary>
        public const string AcquisitionSpend = "acquisition_spend";

        /// <summary>FX rates.</summary>
        public const string FxRates = "fx_rates";
    }

    /// <summary>What refused a request, the <c>limiter</c> tag of <c>clv.rate_limit.rejections</c>.</summary>
    public static class Limiters
    {
        /// <summary>The request rate of a key, or of an address without a valid key (<c>Clv:RateLimit:BurstLimit</c>).</summary>
        public const string Requests = "requests";

        /// <summary>The key lookups of an address: made-up or revoked keys (<c>Clv:RateLimit:KeyLookupBurstLimit</c>).</summary>
        public const string KeyLookups = "key_lookups";

        /// <summary>The model-run queue (<c>Clv:ModelRuns:MaxQueued</c>).</summary>
        public const string ModelRunQueue = "model_run_queue";
    }

    private readonly Counter<long> _rowsIngested;
    private readonly Counter<long> _itemsRejected;
    private readonly Histogram<double> _modelRunStage;
    private readonly Histogram<double> _analyticsDataAge;
    private readonly Counter<long> _rateLimited;

    /// <summary>Creates the instruments on a meter of <paramref name="meters"/>.</summary>
    public ClvMetrics(IMeterFactory meters)
    {
        ArgumentNullException.ThrowIfNull(meters);
        var meter = meters.Create(MeterName);
        _rowsIngested = meter.CreateCounter<long>("clv.ingest.rows", "{row}",
            "Rows stored by ingestion (created or updated; duplicate transactions are not counted), by kind.");
        _itemsRejected = meter.CreateCounter<long>("clv.ingest.rejected", "{item}",
            "Items rejected by ingestion validation, by kind; an atomic request's rejected items too.");
        _modelRunStage = meter.CreateHistogram("clv.model_run.stage.duration", "s",
            "Seconds each stage of a model run took (summary, fit, predict, write, holdout, swap), by stage and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800] });
        _analyticsDataAge = meter.CreateHistogram("clv.analytics.data_age", "s",
            "How far a served analytics answer lags behind writes: the time it was served less its dataThrough.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600] });
        _rateLimited = meter.CreateCounter<long>("clv.rate_limit.rejections", "{request}",
            "Requests refused with 429, by limiter.");
    }

    /// <summary>Counts <paramref name="rows"/> stored of <paramref name="kind"/>.</summary>
    public void RowsIngested(string kind, long rows)
    {
        if (rows > 0)
        {
            _rowsIngested.Add(rows, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Counts <paramref name="items"/> rejected of <paramref name="kind"/>.</summary>
    public void ItemsRejected(string kind, long items)
    {
        if (items > 0)
        {
            _itemsRejected.Add(items, new KeyValuePair<string, object?>("kind", kind));
        }
    }

    /// <summary>Records the seconds each stage of one model run took, as the run recorded them.</summary>
    public void ModelRunStages(IReadOnlyDictionary<string, double> secondsByStage, bool succeeded)
    {
        ArgumentNullException.ThrowIfNull(secondsByStage);
        var outcome = new KeyValuePair<string, object?>("outcome", succeeded ? "succeeded" : "failed");
        foreach (var (stage, seconds) in secondsByStage)
        {
            _modelRunStage.Record(seconds, new KeyValuePair<string, object?>("stage", stage), outcome);
        }
    }

    /// <summary>Records the age of an analytics answer served at <paramref name="now"/> with <paramref name="dataThrough"/>.</summary>
    public void AnalyticsServed(DateTimeOffset dataThrough, DateTimeOffset now) =>
        _analyticsDataAge.Record(Math.Max(0, (now - dataThrough).TotalSeconds));

    /// <summary>Counts one request refused by <paramref name="limiter"/>.</summary>
    public void RateLimited(string limiter) => _rateLimited.Add(1, new KeyValuePair<string, object?>("limiter", limiter));
}
