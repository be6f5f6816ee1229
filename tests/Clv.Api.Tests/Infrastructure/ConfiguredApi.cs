namespace Clv.Api.Tests.Infrastructure;

/// <summary>
/// A test class's own API, with settings of its own, as a class fixture: derive from it and pass
/// the settings, as in <c>public sealed class BoundedApi() : ConfiguredApi(api => api.With(key, value));</c>.
/// </summary>
/// <param name="configure">Sets the factory up (its settings, its services).</param>
public abstract class ConfiguredApi(Func<ClvApiFactory, ClvApiFactory> configure) : IAsyncLifetime
{
    /// <summary>The API, its database migrated once the fixture is initialized.</summary>
    public ClvApiFactory Factory { get; } = configure(new ClvApiFactory());

    /// <inheritdoc/>
    public Task InitializeAsync() => Factory.InitializeAsync();

    /// <inheritdoc/>
    public Task DisposeAsync() => ((IAsyncLifetime)Factory).DisposeAsync();
}
