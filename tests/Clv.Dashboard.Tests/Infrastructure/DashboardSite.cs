using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Clv.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;

namespace Clv.Dashboard.Tests.Infrastructure;

/// <summary>
/// The API on a loopback port (Kestrel, in process) over a database of its own on the test
/// PostgreSQL, loaded with the CDNOW sample, acquisition channels, spend and two model runs; a
/// read key for the page; and Debian's Chromium driven by Playwright. Shared by a test class.
/// </summary>
public sealed class DashboardSite : IAsyncLifetime
{
    /// <summary>The channels the sample's customers are spread over, by customer number modulo 3, and their spend a month.</summary>
    public static readonly (string Channel, decimal MonthlySpend)[] Channels = [("paid_search", 12_000m), ("referral", 2_500m), ("email", 800m)];

    private IPlaywright? _playwright;

    public ClvApiFactory Factory { get; } = new();

    public Uri Address { get; private set; } = null!;

    public IBrowser Browser { get; private set; } = null!;

    /// <summary>A key with the read scope only, as a business owner would paste.</summary>
    public string ReadKey { get; private set; } = "";

    /// <summary>A client of the API that sends the read key.</summary>
    public HttpClient Api { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var chromium = Environment.GetEnvironmentVariable("CLV_CHROMIUM") is { Length: > 0 } set ? set : "/usr/bin/chromium";
        if (!File.Exists(chromium))
        {
            throw new InvalidOperationException(
                $"No browser at {chromium}: the dashboard tests drive Debian's Chromium (apt-get install chromium, or set CLV_CHROMIUM to its executable).");
        }

        await Factory.InitializeAsync();
        Factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        Factory.StartServer();
        var addresses = Factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!;
        Address = new Uri(addresses.Addresses.First());
        await LoadAsync();

        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions { ExecutablePath = chromium, Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.DisposeAsync();
        }

        _playwright?.Dispose();
        Api?.Dispose();
        await ((IAsyncLifetime)Factory).DisposeAsync();
    }

    /// <summary>A new tab (its own sessionStorage) at WIDTH pixels, with the dashboard open and the read key pasted, every widget drawn.</summary>
    public async Task<DashboardPage> OpenAsync(int width = 1280, int height = 900)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = Address.ToString(),
            ViewportSize = new ViewportSize { Width = width, Height = height },
            AcceptDownloads = true,
        });
        var page = new DashboardPage(context, await context.NewPageAsync(), this);
        await page.Page.GotoAsync("/dashboard/");
        await page.Page.GetByLabel("Read API key").FillAsync(ReadKey);
        await page.Page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
        await page.UntilReadyAsync(1);
        return page;
    }

    /// <summary>GET PATH with the read key: the figure the page must show, read as the test's own client.</summary>
    public async Task<JsonElement> GetAsync(string path)
    {
        var response = await Api.GetAsync(path);
        return await response.JsonAsync();
    }

    private async Task LoadAsync()
    {
        var admin = Factory.Client();
        admin.BaseAddress = Address;
        (await admin.PostCsvAsync(CdnowSample.Csv())).EnsureSuccessStatusCode();
        var customers = CdnowSample.Purchases.Select(p => p.Customer).Distinct(StringComparer.Ordinal)
            .Select(c => new { externalId = c, acquisitionChannel = Channels[int.Parse(c["cdnow-".Length..], CultureInfo.InvariantCulture) % Channels.Length].Channel })
            .ToArray();
        (await admin.PostCustomersAsync(customers)).EnsureSuccessStatusCode();
        var spend = Channels.SelectMany(c => Enumerable.Range(1, 3).Select(month => new
        {
            channel = c.Channel,
            periodStart = new DateOnly(1997, month, 1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            periodEnd = new DateOnly(1997, month, 1).AddMonths(1).AddDays(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            amount = c.MonthlySpend,
            currency = "USD",
        })).ToArray();
        (await admin.PostSpendAsync(spend)).EnsureSuccessStatusCode();
        // A run that predicts, then a validation run with a holdout, the newest: the page shows the
        // newest run's holdout and ranks by the active run's predictions, whichever of the two is active.
        await RunModelAsync(admin, new { asOf = "1998-06-30", models = new[] { "bgnbd", "gammagamma" } });
        await RunModelAsync(admin, new { calibrationEnd = "1997-09-30", asOf = "1998-06-30", models = new[] { "bgnbd", "gammagamma" } });

        var created = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "dashboard", scopes = new[] { "read" } })).JsonAsync(HttpStatusCode.Created);
        ReadKey = created.GetProperty("key").GetString()!;
        Api = new HttpClient { BaseAddress = Address };
        Api.DefaultRequestHeaders.Add("X-Api-Key", ReadKey);
    }

    private static async Task RunModelAsync(HttpClient admin, object options)
    {
        var accepted = await admin.PostAsJsonAsync("/api/v1/model-runs", options);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (DateTime.UtcNow < deadline)
        {
            var run = await (await admin.GetAsync(accepted.Headers.Location)).JsonAsync();
            switch (run.GetProperty("status").GetString())
            {
                case "succeeded":
                    return;
                case "failed":
                    throw new InvalidOperationException($"The model run failed: {run}");
            }

            await Task.Delay(200);
        }

        throw new TimeoutException("The model run did not finish in 3 minutes.");
    }
}

/// <summary>One site (one data load, two model runs, one browser) for every dashboard test class.</summary>
[CollectionDefinition(Name)]
public sealed class SharedDashboardSite : ICollectionFixture<DashboardSite>
{
    public const string Name = "dashboard";
}
