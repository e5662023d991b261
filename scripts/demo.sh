#!/usr/bin/env bash
# README's main command: installs what is missing (mosquitto, openssl), builds the host tools and runs
# 'securedevice demo': a throwaway PKI, the reference broker and virtual devices running the firmware core, every
# promise checked. Extra arguments go to the demo, e.g. 'bash scripts/demo.sh --devices 5 --keep /tmp/sd-demo'.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
dotnet build host/SecureDevice.Host.slnx --configuration Release --nologo -v quiet
exec dotnet host/SecureDevice.Tool/bin/Release/net10.0/securedevice.dll demo "$@"
