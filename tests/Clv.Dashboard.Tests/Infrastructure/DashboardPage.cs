using Microsoft.Playwright;

namespace Clv.Dashboard.Tests.Infrastructure;

/// <summary>One tab of the dashboard, recording what it asked the API and what it logged as an error.</summary>
public sealed class DashboardPage : IAsyncDisposable
{
    private readonly IBrowserContext _context;

    public DashboardPage(IBrowserContext context, IPage page, DashboardSite site)
    {
        _context = context;
        Page = page;
        Page.Request += (_, request) =>
        {
            if (request.Url.StartsWith(site.Address + "api/", StringComparison.Ordinal))
            {
                ApiRequests.Add(new Uri(request.Url).PathAndQuery);
            }
        };
        Page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                Errors.Add($"console: {message.Text}");
            }
        };
        Page.PageError += (_, error) => Errors.Add($"page error: {error}");
    }

    public IPage Page { get; }

    /// <summary>Paths and queries of the API requests made so far.</summary>
    public List<string> ApiRequests { get; } = [];

    public List<string> Errors { get; } = [];

    /// <summary>Waits until load number LOAD has drawn every widget (body[data-ready]).</summary>
    public async Task UntilReadyAsync(int load)
    {
        try
        {
            await Page.Locator($"body[data-ready='{load}']").WaitForAsync(new LocatorWaitForOptions { State = WaitForSelectorState.Attached, Timeout = 30_000 });
        }
        catch (TimeoutException e)
        {
            var status = await Page.Locator("#status").InnerTextAsync();
            throw new TimeoutException(
                $"Load {load} did not finish. Status: '{status}'. Errors: {string.Join(" | ", Errors)}. Requests: {string.Join(" ", ApiRequests)}", e);
        }
    }

    public async Task<string> AsOfAsync() => await Page.Locator("#as-of").InputValueAsync();

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();
}
