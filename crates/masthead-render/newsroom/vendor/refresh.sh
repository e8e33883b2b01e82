#!/usr/bin/env bash
# Refreshes the editor's browser libraries from the npm registry, without Node.
#
#   ./refresh.sh           download the versions in PACKAGES, check each tarball
#                          against the registry's integrity hash, and the files
#                          against SHA256SUMS (what is committed)
#   ./refresh.sh --update  the same, then write SHA256SUMS anew (after a version change)
#   ./refresh.sh --check   only check the files here against SHA256SUMS
set -euo pipefail
cd "$(dirname "$0")"
registry="${NPM_REGISTRY:-https://registry.npmjs.org}"
mode="${1:-}"

if [[ "$mode" != "--check" ]]; then
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  grep -v '^#' PACKAGES | while read -r name version file; do
    [[ -z "$name" ]] && continue
    meta="$(curl -fsS "$registry/$name/$version")"
    integrity="$(printf '%s' "$meta" | python3 -c 'import json,sys; print(json.load(sys.stdin)["dist"]["integrity"])')"
    curl -fsS -o "$work/$name.tgz" "$registry/$name/-/$name-$version.tgz"
    got="sha512-$(openssl dgst -sha512 -binary "$work/$name.tgz" | base64 -w0)"
    if [[ "$got" != "$integrity" ]]; then
      echo "refresh.sh: $name $version does not match the registry's integrity hash" >&2
      exit 1
    fi
    mkdir -p "$work/$name" "$(dirname "$name/$file")"
    tar -xzf "$work/$name.tgz" -C "$work/$name" "package/$file" package/LICENSE
    cp "$work/$name/package/$file" "$name/$file"
    cp "$work/$name/package/LICENSE" "$name/LICENSE"
    echo "$name $version"
  done
fi

if [[ "$mode" == "--update" ]]; then
  grep -v '^#' PACKAGES | while read -r name _ file; do
    [[ -n "$name" ]] && sha256sum "$name/$file" "$name/LICENSE"
  done > SHA256SUMS
  echo "SHA256SUMS written"
fi
sha256sum --quiet -c SHA256SUMS && echo "every file matches SHA256SUMS"
