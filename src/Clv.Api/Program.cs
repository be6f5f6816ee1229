using Clv.Api.Configurations;
using Clv.Api.Infrastructure;

var builder = WebApplication.CreateBuilder(args);

builder.AddClvLogging();
builder.Services.AddClvObservability(builder.Configuration);
builder.Services.AddClvErrors();
builder.Services.AddClvHardening(builder.Configuration);
builder.Services.AddClvRateLimiting(builder.Configuration);
builder.Services.AddClvDatabase();
builder.Services.AddClvAuth();
builder.Services.AddClvIngestion();
builder.Services.AddClvIdempotency();
builder.Services.AddClvModelRuns();
builder.Services.AddClvPortfolio();
builder.Services.AddClvControllers();
builder.Services.AddClvSwagger();
builder.Services.AddClvHealthChecks();

var app = builder.Build();

app.UseClvHardening();
app.UseClvRequestLogging(); // outside the error handling: it logs the status the client got
app.UseClvWarmup(); // the start-up reads enter here, unlogged
app.UseRouting(); // after that entry, so the start-up reads are routed as clients' requests are
app.UseClvErrors();
app.UseClvRateLimitHeaders(); // registered early so error answers carry them too
app.UseMiddleware<Clv.Api.Infrastructure.BodyLimitMiddleware>();
app.UseAuthentication();
app.UseRateLimiter(); // after authentication: buckets are per key id, per address without a valid key
app.UseClvSwagger();
app.UseClvDashboard(); // static and anonymous, like Swagger: before authorization
app.UseAuthorization();
app.UseClvAcceptQualities(); // after authorization: a request without a valid key gets its 401 first
app.UseClvIdempotency();
app.MapClvHealthChecks();
app.MapClvMetrics();
app.MapClvDashboard();
app.MapControllers();

await app.MigrateIfConfiguredAsync();
await app.EnsureRollupTimeZoneAsync();
await app.RunAsync();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
