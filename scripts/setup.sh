#!/usr/bin/env bash
# Install gossamer with its test dependencies, and the reference Alertmanager and
# Prometheus binaries the differential tests use as the oracle.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  if ! command -v prometheus-alertmanager >/dev/null || ! command -v amtool >/dev/null \
     || ! command -v prometheus >/dev/null; then
    apt-get update -qq
    # The packages start services on their default ports where they can; gossamer's
    # tests never rely on 9090/9093/9094 being free.
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      prometheus-alertmanager prometheus >/dev/null
  fi
fi
python3 -m pip install -q -e '.[test]'
