# The API as a container: build with the SDK image, run on the ASP.NET Core runtime image.
# Used by docker-compose.yml; build context is the repository root (see .dockerignore).

# The dashboard (docs/dashboard.md): its TypeScript is built here and copied beside the API.
FROM node:20-bookworm-slim AS dashboard
WORKDIR /src/src/Clv.Dashboard
COPY src/Clv.Dashboard/package.json src/Clv.Dashboard/package-lock.json ./
RUN npm ci --no-audit --no-fund --loglevel=error
COPY src/Clv.Dashboard/ ./
RUN npm run build

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
# global.json is left out on purpose: it pins the SDK feature band of our machines, and the
# image's SDK (the image tag is the pin here) may be of another band of the same 10.0.
COPY Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Clv.Analytics/Clv.Analytics.csproj src/Clv.Analytics/
COPY src/Clv.Data/Clv.Data.csproj src/Clv.Data/
COPY src/Clv.Api/Clv.Api.csproj src/Clv.Api/
# Restore in its own layer so that a code change does not download the packages again. ReadyToRun
# for the image's runtime (as scripts/run.sh publishes it): the API's code and its packages' are
# compiled ahead of time, so a fresh container does not spend its first requests compiling.
RUN dotnet restore src/Clv.Api/Clv.Api.csproj --use-current-runtime -p:PublishReadyToRun=true
COPY src/ src/
COPY --from=dashboard /src/src/Clv.Dashboard/dist src/Clv.Dashboard/dist
RUN dotnet publish src/Clv.Api/Clv.Api.csproj -c Release -o /app --no-restore --use-current-runtime --self-contained false \
    -p:PublishReadyToRun=true -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# The image has neither curl nor wget; curl is what the health check below needs.
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# APP_UID is the image's non-root user.
USER $APP_UID
ENV ASPNETCORE_HTTP_PORTS=8080
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
    CMD curl -fsS http://127.0.0.1:8080/health/ready || exit 1
ENTRYPOINT ["dotnet", "Clv.Api.dll"]
