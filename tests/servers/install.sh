#!/usr/bin/env bash
# Installs the real servers the integration tests start on loopback, from Debian's
# packages, when they are missing. The tests start and stop their own private instances.
set -euo pipefail

need=()
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || need+=(postgresql)
command -v prometheus >/dev/null 2>&1 || need+=(prometheus)
command -v openssl >/dev/null 2>&1 || need+=(openssl)  # the TLS test's short-lived certificate
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO=sudo; else
        echo "warroom tests need Debian packages: ${need[*]} (run as root or install them)" >&2
        exit 1
    fi
else
    SUDO=
fi
echo "installing ${need[*]} from Debian's packages" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
# Debian starts a cluster and a Prometheus service of its own; the tests start private
# instances on free ports, so those only cost memory: stop the services, nothing else.
$SUDO systemctl disable --now prometheus postgresql >/dev/null 2>&1 || true
$SUDO service prometheus stop >/dev/null 2>&1 || true
if command -v pg_lsclusters >/dev/null 2>&1; then
    pg_lsclusters -h 2>/dev/null | while read -r ver name _; do
        $SUDO pg_ctlcluster "$ver" "$name" stop >/dev/null 2>&1 || true
    done
fi
