namespace Clv.Api.Errors;

/// <summary>A client fault found deep in a request, answered as problem+json with its status.</summary>
public sealed class ClvProblemException(int status, string title, string detail) : Exception(detail)
{
    /// <summary>The HTTP status to answer with.</summary>
    public int Status { get; } = status;

    /// <summary>A short, stable summary of the problem type.</summary>
    public string Title { get; } = title;

    /// <summary>What was wrong with this request.</summary>
    public string Detail { get; } = detail;
}
