#!/usr/bin/env bash
# Publishes the Native AOT single-file binary: scripts/publish.sh [linux-x64|linux-arm64] -> out/<rid>/conduit
set -euo pipefail
cd "$(dirname "$0")/.."
rid=${1:-linux-x64}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet publish src/Conduit/Conduit.csproj -c Release -r "$rid" -o "out/$rid" -nologo -v quiet
ls -l "out/$rid/conduit"
