#!/usr/bin/env bash
# Installs the system packages the test suite needs when they are missing (Debian):
# PostgreSQL's server binaries (the tests start their own throw-away server on 127.0.0.1),
# nginx (the deploy gateway config is tested live), kubectl (kustomize of deploy/k8s), and Chromium with a
# Chinese font for the browser tests of the pages (tests/web: Playwright drives Debian's /usr/bin/chromium).
set -euo pipefail
need=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || need+=(postgresql)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || need+=(nginx-light)   # the gateway config is tested live
command -v kubectl >/dev/null || need+=(kubernetes-client)                  # kustomize of deploy/k8s
[ -x /usr/bin/chromium ] || need+=(chromium)                                 # tests/web (headless)
{ command -v fc-list >/dev/null && fc-list :lang=zh family | grep -q .; } \
  || need+=(fonts-wqy-microhei)                                              # Chinese text in screenshots
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "missing system packages: ${need[*]} — install them with: sudo apt-get install ${need[*]}" >&2
  exit 1
fi
echo "installing ${need[*]} (Debian packages) ..."
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
