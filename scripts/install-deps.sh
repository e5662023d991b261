#!/usr/bin/env bash
# Installs what the tests and the demo need on Debian/Ubuntu, when it is missing. Needs the .NET 10 SDK already installed.
set -euo pipefail

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-deps: the .NET 10 SDK (dotnet) is required: https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi

missing=()
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || missing+=(mosquitto)
command -v mosquitto_sub >/dev/null 2>&1 || missing+=(mosquitto-clients)
# The fleet service's tests and benchmark start throwaway PostgreSQL clusters with Debian's initdb and pg_ctl.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
# The tests decode health reports with Debian's Python and its cbor2 module, an implementation independent of ours.
/usr/bin/python3 -c 'import cbor2' >/dev/null 2>&1 || missing+=(python3-cbor2)
# The alert tests deliver e-mail to Debian's aiosmtpd (python3 -m aiosmtpd), an SMTP server we did not write.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || missing+=(python3-aiosmtpd)
# The ingest tests read the service's socket buffers from the kernel with iproute2's ss.
command -v ss >/dev/null 2>&1 || [ -x /usr/bin/ss ] || [ -x /sbin/ss ] || missing+=(iproute2)
# The broker's refusal counter plugin (host/broker/refusal-counter) is C, built by the tests with make and gcc against
# Debian's mosquitto headers (mosquitto_broker.h, mosquitto_plugin.h in mosquitto-dev; mosquitto.h in libmosquitto-dev).
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v make >/dev/null 2>&1 || missing+=(make)
[ -f /usr/include/stdio.h ] || missing+=(libc6-dev)
[ -f /usr/include/mosquitto_plugin.h ] || missing+=(mosquitto-dev)
[ -f /usr/include/mosquitto.h ] || missing+=(libmosquitto-dev)
# The console's browser test drives Debian's Chromium through Playwright (browsers cannot be downloaded).
command -v chromium >/dev/null 2>&1 || missing+=(chromium)

if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: installing ${missing[*]} with apt-get"
  sudo_cmd=()
  if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -qq || true
  "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
