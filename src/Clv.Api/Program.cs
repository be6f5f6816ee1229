using Clv.Api.Configurations;
using Serilog;

var builder = WebApplication.CreateBuilder(args);

builder.AddClvLogging();
builder.Services.AddClvDatabase();
builder.Services.AddClvHealthChecks();

var app = builder.Build();

app.UseSerilogRequestLogging();
app.MapClvHealthChecks();

await app.MigrateIfConfiguredAsync();
await app.RunAsync();

/// <summary>The entry point, visible to the integration tests' WebApplicationFactory.</summary>
public partial class Program;
