#!/usr/bin/env bash
# A second Rust beside the host's, for the tests of the oldest Rust maturin-cross supports:
# Debian's rustc-web and cargo-web at one version (default: the oldest the package index lists),
# with their own standard library and its sources (for build-std), unpacked into
# $CROSS_PROVISION_CACHE/rust/<version> (default cache: ~/.cache/maturin-cross). The host's own
# Rust is not touched; the libraries these programs load come from apt. As root, idempotently; a
# second run does no network access.
#
#   tools/provision-rust.sh [VERSION]
#
# Prints two lines: the folder to put first on PATH (its usr/bin), and the one for
# LD_LIBRARY_PATH (rustc's driver library; rustc finds its sysroot beside it).
set -euo pipefail

cache=${CROSS_PROVISION_CACHE:-${MATURIN_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maturin-cross}}
die() { echo "provision-rust: error: $*" >&2; exit 1; }
log() { echo "provision-rust: $*" >&2; }

[ $# -le 1 ] || die "usage: provision-rust.sh [VERSION]"
[ "$(id -u)" = 0 ] || die "needs root for apt-get (run it as root or with sudo)"
mkdir -p "$cache/rust"
exec 9>"$cache/.provision.lock"
flock 9

APT=(-o DPkg::Lock::Timeout=900)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -print-multiarch)

version=${1:-}
if [ -z "$version" ]; then
  # The oldest already provisioned serves without the network; else ask the index.
  version=$(find "$cache/rust" -mindepth 2 -maxdepth 2 -name .complete -printf '%h\n' 2>/dev/null \
    | xargs -r -n1 basename | sort -V | head -n 1)
  if [ -z "$version" ]; then
    apt-get "${APT[@]}" update -qq >/dev/null 2>&1 || log "note: apt-get update reported errors; using the index as it is"
    version=$(apt-cache madison rustc-web | awk -F'|' '{gsub(/ /, "", $2); print $2}' | sort -V | head -n 1)
    [ -n "$version" ] || die "the package index lists no rustc-web; check the apt sources"
  fi
fi
dir="$cache/rust/$version"
bin="$dir/usr/bin"
lib="$dir/usr/lib/$multiarch"

if [ ! -f "$dir/.complete" ]; then
  log "unpacking Debian's Rust $version into $dir"
  series=$(echo "$version" | cut -d. -f1,2)
  packages=(rustc-web cargo-web "libstd-rust-web-$series" libstd-rust-web-dev rust-web-src)
  debs="$cache/rust/.debs-$version"
  mkdir -p "$debs"
  if ! (cd "$debs" && apt-get -o APT::Sandbox::User=root download -qq "${packages[@]/%/=$version}"); then
    apt-get "${APT[@]}" update -qq >/dev/null 2>&1 || true
    (cd "$debs" && apt-get -o APT::Sandbox::User=root download -qq "${packages[@]/%/=$version}") \
      || die "cannot download Debian's Rust $version (${packages[*]}); is it in the package index?"
  fi
  # What these programs load: every package they depend on but one another.
  mapfile -t needs < <(for deb in "$debs"/*.deb; do dpkg-deb -f "$deb" Depends; done | tr ',' '\n' \
    | sed -e 's/|.*//' -e 's/(.*)//' -e 's/[[:space:]]//g' | sort -u \
    | grep -vxE 'rustc-web|cargo-web|libstd-rust-web.*|')
  log "installing what it loads: ${needs[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" install -y -qq --no-install-recommends "${needs[@]}" \
    >/dev/null || die "apt-get install ${needs[*]} failed; check the package index with 'apt-get update'"
  rm -rf "$dir" "$dir".tmp.*
  work=$(mktemp -d "$dir.tmp.XXXXXX")
  for deb in "$debs"/*.deb; do dpkg -x "$deb" "$work"; done
  said=$(LD_LIBRARY_PATH="$work/usr/lib/$multiarch" "$work/usr/bin/rustc" --print sysroot) \
    || die "the unpacked rustc $version does not run"
  [ "$said" = "$work/usr" ] || die "the unpacked rustc $version takes $said as its sysroot, not $work/usr"
  touch "$work/.complete"
  mv "$work" "$dir"
  rm -rf "$debs"
fi
echo "$bin"
echo "$lib"
