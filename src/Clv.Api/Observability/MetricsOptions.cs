using System.ComponentModel.DataAnnotations;

namespace Clv.Api.Observability;

/// <summary>Settings under <c>Clv:Metrics</c>: the Prometheus scrape endpoint (docs/operations.md, "Metrics and traces").</summary>
public sealed class MetricsOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Clv:Metrics";

    /// <summary>Whether the scrape endpoint is served. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>
    /// A port of its own for the endpoint, on <see cref="Address"/>, answering without a key: for a
    /// network only the scraper reaches. Unset (the default), the endpoint is served on the API's
    /// own port and requires a key with the <c>admin</c> scope.
    /// </summary>
    [Range(1, 65535)]
    public int? Port { get; set; }

    /// <summary>The address the port of its own listens on. Default 127.0.0.1; <c>*</c> for every address.</summary>
    [Required]
    public string Address { get; set; } = "127.0.0.1";

    /// <summary>The endpoint's path. Default <c>/metrics</c>.</summary>
    [Required, RegularExpression("^/[A-Za-z0-9/_-]*$")]
    public string Path { get; set; } = "/metrics";
}
