#!/usr/bin/env bash
# Scaffolds an EF Core migration into src/Clv.Data/Migrations from the current model.
# Usage: ./scripts/add-migration.sh <MigrationName>
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
[ $# -eq 1 ] || { echo "usage: $0 <MigrationName>" >&2; exit 2; }
dotnet run --project "$root/scripts/ef" -- add "$1" "$root/src/Clv.Data"
