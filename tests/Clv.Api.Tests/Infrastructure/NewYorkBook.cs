namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// A class fixture: an API reporting in New York days on a database of its own, holding a tiny book
/// that the test class seeds once through the API.
/// </summary>
public abstract class NewYorkBook : IAsyncLifetime
{
    public ClvApiFactory Factory { get; } = new ClvApiFactory().With("Clv:ReportingTimeZone", "America/New_York");

    public HttpClient Client() => Factory.Client();

    public async Task InitializeAsync()
    {
        await Factory.InitializeAsync();
        await SeedAsync(Factory.Client());
    }

    public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();

    /// <summary>Posts the book.</summary>
    protected abstract Task SeedAsync(HttpClient client);
}
