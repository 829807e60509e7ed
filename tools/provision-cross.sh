#!/usr/bin/env bash
# Provision real cross toolchains, target sysroots and qemu from Debian's packages, starting from
# nothing: a machine that never had Debian's Rust, a cross compiler or qemu, with or without rustup.
#
#   tools/provision-cross.sh armhf [arm64 i386 ppc64el s390x armel mipsel mips64el riscv64 ...]
#   tools/provision-cross.sh arm64@sid/3.14 armhf@trixie ...
#
# Each argument is a Debian architecture, optionally with the Debian release and the Python its
# sysroot holds (ARCH@RELEASE/PYTHON; default: the oldest release known here that has the
# architecture, and that release's own Python: bookworm's python3.11 for most, trixie's python3.13
# for riscv64, which bookworm does not have). As root, idempotently, for each:
#   - on the host, through apt: the GNU cross compiler and C library for the target (the Rust
#     linker), qemu-user-static, pkg-config, and Debian's newest rustc-web/cargo-web (linked into
#     rustup as the toolchain `debian-web` where rustup is installed; rustup's own toolchain stays
#     the default);
#   - the target's Rust standard library, chosen per architecture: Debian's prebuilt
#     libstd-rust-web-dev:<arch> when that architecture's index has it at exactly rustc-web's
#     version, otherwise rust-web-src at that version, from which maturin-cross has cargo build
#     the standard library (build-std). The prebuilt one is repackaged the way dpkg-cross makes
#     its -cross packages, as libstd-rust-web-dev-<arch>-cross, which depends on exactly its
#     rustc-web: dpkg owns its files, and apt removes it with rustc-web or before another
#     rustc-web version goes in, so no standard library of another compiler stays behind. An
#     architecture the host's release lacks (riscv64) is looked up in the oldest release that has
#     it: trixie's libstd-rust-web-dev:riscv64 is built by trixie's rustc-web, so unless the
#     versions are the same, riscv64's standard library is build-std's;
#   - a target sysroot with the target's own Python at $CROSS_PROVISION_CACHE/sysroots/<arch>
#     (<arch>-<release>-<python> for a release or Python other than the default; default cache:
#     ~/.cache/maturin-cross), made by the product itself:
#     `maturin-cross sysroot debian:<release>/<arch> --python <python>` (its downloads under
#     sysroot-downloads/). riscv64's comes from trixie, as bookworm has no riscv64 packages.
# Target architectures are never added to the host's dpkg: their packages come through a private
# apt configuration per architecture (the host's sources, their own index and cache under
# $CROSS_PROVISION_CACHE/apt/<arch>), so a partial index for one architecture spoils no other.
# A second run with everything in place does no network access. Runs of this script wait for
# each other (a lock in the cache) and apt calls wait for another apt's lock. Says which Rust it
# chose and why, and prints one line per argument on stdout:
#   <arch> <sysroot> <rust triple> <linker> <qemu> <std: prebuilt|build-std> <release> <python>
set -euo pipefail

cache=${CROSS_PROVISION_CACHE:-${MATURIN_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maturin-cross}}

# What the sysroot holds besides the target's python3.11 and its development files (which
# `maturin-cross sysroot` always asks for): OpenSSL's (real packages link it from the sysroot)
# and cffi's backend (real packages import it beside themselves). apt adds what these need.
SYSROOT_WITH=(--with libssl-dev --with python3-cffi-backend)

die() { echo "provision-cross: error: $*" >&2; exit 1; }
log() { echo "provision-cross: $*" >&2; }

# Debian arch -> GNU type, Rust triple, qemu program: from the project's one architecture table
# (src/maturin_cross/target/arches.py), which a bare python3 reads with its standard library.
src=$(cd "$(dirname "$0")/../src" && pwd)
arches() { PYTHONPATH=$src python3 -S -m maturin_cross.target.arches "$@"; }
# The product's own command, with the same bare python3 (it needs the standard library alone).
maturin_cross() { PYTHONPATH=$src python3 -S -m maturin_cross "$@"; }
command -v python3 >/dev/null || die "python3 is not on PATH: it reads the architecture table"
known=$(arches debian) || die "cannot read the architecture table in $src"
# The Debian releases known here (src/maturin_cross/target/debian.py), oldest first, each with
# its Pythons (its own first) and its architectures: `NAME PY,PY ARCH,ARCH`.
releases=$(PYTHONPATH=$src python3 -S -c '
from maturin_cross.target.debian import RELEASES
for r in RELEASES.values():
    print(r.name, ",".join(r.pythons), ",".join(r.arches))') \
  || die "cannot read the releases in $src"
# The release and Python of a request (the arch's oldest release and that release's own Python,
# unless named): `RELEASE PYTHON`, or a message saying what is wrong.
release_of() {
  local arch=$1 want=$2 python=$3 name pythons archs
  while read -r name pythons archs; do
    [ -z "$want" ] || [ "$want" = "$name" ] || continue
    case ",$archs," in *",$arch,"*) ;; *) [ -z "$want" ] && continue
      echo "Debian $name has no architecture $arch"; return 1 ;; esac
    [ -n "$python" ] || python=${pythons%%,*}
    case ",$pythons," in *",$python,"*) echo "$name $python"; return 0 ;; esac
    echo "Debian $name has no Python $python; it has ${pythons//,/ }"; return 1
  done <<<"$releases"
  if [ -n "$want" ]; then
    echo "Debian $want is not a release known here; known: $(cut -d' ' -f1 <<<"$releases" | paste -sd' ')"
  else
    echo "no release known here has $arch"
  fi
  return 1
}
declare -A GNU=() RUST=() QEMU=() OWN=()
[ $# -gt 0 ] || die "name at least one Debian architecture ($known)"
specs=("$@")
set --
declare -A SPEC_ARCH=() SPEC_RELEASE=() SPEC_PYTHON=()
for spec in "${specs[@]}"; do
  [[ $spec =~ ^([a-z0-9]+)(@([a-z]+)(/(3\.[0-9]+))?)?$ ]] \
    || die "'$spec' is not ARCH, ARCH@RELEASE or ARCH@RELEASE/PYTHON (such as arm64@sid/3.14)"
  arch=${BASH_REMATCH[1]}
  case " $known " in
    *" $arch "*) read -r "GNU[$arch]" "RUST[$arch]" "QEMU[$arch]" <<<"$(arches debian "$arch")" ;;
    *) die "unknown architecture '$arch'; known: $known" ;;
  esac
  said=$(release_of "$arch" "${BASH_REMATCH[3]}" "${BASH_REMATCH[5]}") || die "'$spec': $said"
  read -r "SPEC_RELEASE[$spec]" "SPEC_PYTHON[$spec]" <<<"$said"
  SPEC_ARCH[$spec]=$arch
  # The release the architecture's own packages (its standard library) are looked up in.
  OWN[$arch]=$(release_of "$arch" "" "" | cut -d' ' -f1)
  case " $* " in *" $arch "*) ;; *) set -- "$@" "$arch" ;; esac
done
[ "$(id -u)" = 0 ] || die "needs root for apt-get and dpkg (run it as root or with sudo)"
for tool in apt-get apt-cache dpkg dpkg-deb dpkg-query flock; do
  command -v "$tool" >/dev/null || die "$tool is not on PATH: this script needs a Debian host"
done

mkdir -p "$cache/sysroots" "$cache/std" "$cache/apt"
exec 9>"$cache/.provision.lock"
flock 9
# What a killed run left of a sysroot being replaced (the lock says no run is live), and the
# staging folders of this script's earlier versions.
rm -rf "$cache/sysroots"/.old-* "$cache/sysroots"/*.tmp.*

APT=(-o DPkg::Lock::Timeout=900)

# The first line of what apt-get update said went wrong, if anything: a mirror in the middle of a
# sync leaves part of the index old or missing, and apt carries on with what it has.
update_trouble() {
  local what why
  what=$(sed -n 's/^Err:[0-9]* *[^ ]* *//p' "$1" | head -n 1)
  why=$(sed -n -e 's/^E: Failed to fetch [^ ]* *//p' -e 's/^W: Failed to fetch [^ ]* *//p' "$1" \
    | sed 's/ *\[IP: .*//' | head -n 1)
  [ -n "$what$why" ] || why=$(sed -n 's/^E: //p' "$1" | head -n 1)
  echo "${what:+$what: }$why" | cut -c1-200
}

host_updated=
host_index_trouble=
host_update() {
  [ -n "$host_updated" ] && return
  local said
  said=$(mktemp)
  apt-get "${APT[@]}" update >"$said" 2>&1 || true
  host_index_trouble=$(update_trouble "$said")
  rm -f "$said"
  [ -z "$host_index_trouble" ] || log "note: the host's package index is partial: $host_index_trouble"
  host_updated=1
}
apt_install() {
  log "installing $*"
  local said
  said=$(mktemp)
  if ! DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" install -y -q --no-install-recommends \
      "$@" >"$said" 2>&1; then
    tail -n 15 "$said" >&2; rm -f "$said"
    die "apt-get install failed (its last lines are above); check the package index with 'apt-get update'"
  fi
  rm -f "$said"
}

# apt for a target architecture, never the host's: the host's sources, with the index, cache and
# (empty) package status of its own, so that dependencies resolve as on a fresh target.
# An architecture bookworm lacks has the sources of the oldest release that has it, derived from
# the host's by the product (its Debian archive, that release's suites), written once.
write_own_sources() {
  local arch=$1 dir="$cache/apt/$1"
  [ "${OWN[$arch]}" != bookworm ] && [ ! -s "$dir/sources.list" ] || return 0
  mkdir -p "$dir"
  PYTHONPATH=$src python3 -S -c '
import sys
from maturin_cross.buildenv.debian_root import host_sources
from maturin_cross.target import debian
request = debian.parse(sys.argv[1], None, (), ())
print("\n".join(debian.derive_sources(request, host_sources())))' "debian:${OWN[$arch]}/$arch" \
    > "$dir/sources.list.tmp" || true
  if [ ! -s "$dir/sources.list.tmp" ]; then
    die "cannot derive the apt sources of Debian ${OWN[$arch]} for $arch from the host's"
  fi
  mv "$dir/sources.list.tmp" "$dir/sources.list"
}
for arch in "$@"; do write_own_sources "$arch"; done
own_sources() {
  [ "${OWN[$1]}" != bookworm ] || return 0
  echo "-o Dir::Etc::SourceList=$cache/apt/$1/sources.list -o Dir::Etc::SourceParts=/dev/null"
}
target_apt() {
  local arch=$1; shift
  local dir="$cache/apt/$arch" own
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
  [ -f "$dir/status" ] || : > "$dir/status"
  read -r -a own <<<"$(own_sources "$arch")"
  apt-get "${own[@]}" -o APT::Architecture="$arch" -o APT::Architectures="$arch" \
    -o Dir::State::Lists="$dir/lists" -o Dir::State::status="$dir/status" \
    -o Dir::Cache="$dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root \
    -o Acquire::Languages=none -o Acquire::IndexTargets::deb::DEP-11::DefaultEnabled=false \
    "$@"
}
target_cache() {
  local arch=$1; shift
  local dir="$cache/apt/$arch" own
  read -r -a own <<<"$(own_sources "$arch")"
  apt-cache "${own[@]}" -o APT::Architecture="$arch" -o APT::Architectures="$arch" \
    -o Dir::State::Lists="$dir/lists" -o Dir::State::status="$dir/status" \
    -o Dir::Cache="$dir/cache" "$@"
}
declare -A TARGET_UPDATED=() TARGET_TROUBLE=()
target_update() {
  local arch=$1 said
  [ -n "${TARGET_UPDATED[$arch]:-}" ] && return
  said=$(mktemp)
  target_apt "$arch" update >"$said" 2>&1 || true
  TARGET_TROUBLE[$arch]=$(update_trouble "$said")
  rm -f "$said"
  TARGET_UPDATED[$arch]=1
  # An index that lists nothing for the architecture is no index at all.
  target_cache "$arch" policy libc6 2>/dev/null | sed -n 's/ *Candidate: //p' | grep -qv none \
    || die "the package index for $arch lists no libc6 (${TARGET_TROUBLE[$arch]:-no error reported}); check the host's apt sources and network, then run this again"
}

installed_version() {
  local said
  said=$(dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null) || return 0
  sed -n 's/^ii *//p' <<<"$said"
}

# The prebuilt standard library of arch $1, as the -cross package this script makes of it.
std_package() { echo "libstd-rust-web-dev-$1-cross"; }
# The choice made for an architecture at a rustc-web version, remembered so that a second run
# needs no network: "prebuilt <version>" or "build-std <version>".
memo() { echo "$cache/std/$1"; }

# The standard library's state for arch $1 at rustc-web $2: prints prebuilt or build-std when
# it is in place, nothing otherwise.
std_in_place() {
  local said
  said=$(cat "$(memo "$1")" 2>/dev/null || true)
  case $said in
    "prebuilt $2")
      [ "$(installed_version "$(std_package "$1")")" = "$2" ] && echo prebuilt ;;
    "build-std $2")
      [ "$(installed_version rust-web-src)" = "$2" ] && [ -z "$(installed_version "$(std_package "$1")")" ] \
        && [ ! -d "/usr/lib/rustlib/${RUST[$1]}" ] && echo build-std ;;
  esac
  return 0
}

need_install=()
command -v qemu-arm-static >/dev/null || need_install+=(qemu-user-static)
# openssl-sys and other -sys crates find the sysroot's libraries with pkg-config.
command -v pkg-config >/dev/null || need_install+=(pkgconf)
for arch in "$@"; do
  command -v "${GNU[$arch]}-gcc" >/dev/null || need_install+=("gcc-${GNU[$arch]}")
  [ -n "$(installed_version "libc6-dev-$arch-cross")" ] || need_install+=("libc6-dev-$arch-cross")
done

# The compiler: the rustc-web already installed while it serves every requested architecture
# (no network), otherwise the newest the host's index lists.
version=$(installed_version rustc-web)
ready=1
for arch in "$@"; do
  [ -n "$version" ] && [ -n "$(std_in_place "$arch" "$version")" ] || ready=
done
if [ -z "$ready" ]; then
  host_update
  version=$(apt-cache policy rustc-web | sed -n 's/ *Candidate: //p')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    die "the package index lists no rustc-web for this machine (Debian bookworm has it in main and bookworm-security); check the apt sources, then run this again"
  fi
  used_before=$(cat "$cache/rust-version" 2>/dev/null || true)
  why="the newest rustc-web the host's index lists"
  if [ -n "$used_before" ] && dpkg --compare-versions "$version" lt "$used_before"; then
    why="$why, older than the $used_before used before"
  fi
  [ -z "$host_index_trouble" ] || why="$why, from a partial index"
  log "Rust: rustc-web $version ($why); crates that need a newer Rust will say so when they build"
fi
[ "$(installed_version rustc-web)" = "$version" ] \
  || need_install+=("rustc-web=$version" "cargo-web=$version" "libstd-rust-web-dev=$version")

# Per architecture: the prebuilt standard library at exactly that version, or the sources.
declare -A STD=()
for arch in "$@"; do
  STD[$arch]=$(std_in_place "$arch" "$version")
  [ -n "${STD[$arch]}" ] && continue
  target_update "$arch"
  if target_cache "$arch" madison libstd-rust-web-dev | awk -F'|' '{gsub(/ /, "", $2); print $2}' \
      | grep -qxF "$version"; then
    STD[$arch]=prebuilt
  else
    STD[$arch]=build-std
    [ "$(installed_version rust-web-src)" = "$version" ] || need_install+=("rust-web-src=$version")
    if [ -n "${TARGET_TROUBLE[$arch]}" ]; then
      log "note: the $arch package index is partial (${TARGET_TROUBLE[$arch]}): it lists no libstd-rust-web-dev:$arch=$version, so $arch falls back to build-std"
    fi
  fi
done

if [ ${#need_install[@]} -gt 0 ]; then
  host_update
  mapfile -t wanted < <(printf '%s\n' "${need_install[@]}" | sort -u)
  apt_install "${wanted[@]}"
fi
echo "$version" > "$cache/rust-version"

# The -cross package of arch $1's prebuilt standard library at rustc-web $2, made from Debian's
# libstd-rust-web-dev:$1 and installed with dpkg.
install_std_package() {
  local arch=$1 version=$2 triple=${RUST[$1]} name debdir stage
  name=$(std_package "$arch")
  debdir="$cache/apt/$arch/std"
  mkdir -p "$debdir"
  rm -f "$debdir"/*.deb
  (cd "$debdir" && target_apt "$arch" download -qq "libstd-rust-web-dev=$version") \
    || die "cannot download libstd-rust-web-dev:$arch=$version; run this again when the archive answers"
  stage=$(mktemp -d "$cache/std/.stage.XXXXXX")
  dpkg -x "$debdir"/libstd-rust-web-dev_*.deb "$stage/unpacked"
  [ -d "$stage/unpacked/usr/lib/rustlib/$triple/lib" ] \
    || die "libstd-rust-web-dev:$arch=$version holds no usr/lib/rustlib/$triple/lib"
  mkdir -p "$stage/pkg/DEBIAN" "$stage/pkg/usr/lib/rustlib" "$stage/pkg/usr/share/doc/$name"
  mv "$stage/unpacked/usr/lib/rustlib/$triple" "$stage/pkg/usr/lib/rustlib/"
  cp "$stage/unpacked/usr/share/doc/libstd-rust-web-dev/copyright" "$stage/pkg/usr/share/doc/$name/"
  cat > "$stage/pkg/DEBIAN/control" <<EOF
Package: $name
Source: rustc-web
Version: $version
Architecture: all
Maintainer: maturin-cross test provisioning <root@localhost>
Depends: rustc-web (= $version)
Section: devel
Priority: optional
Description: Rust standard library for $triple (from libstd-rust-web-dev:$arch)
 Debian's libstd-rust-web-dev:$arch repackaged as a -cross package, as dpkg-cross does, by
 maturin-cross's tools/provision-cross.sh: it depends on exactly the rustc-web it was built by.
EOF
  dpkg-deb --root-owner-group --build "$stage/pkg" "$debdir/$name.deb" >/dev/null
  dpkg -i "$debdir/$name.deb" >/dev/null
  rm -rf "$stage"
}

for arch in "$@"; do
  triple=${RUST[$arch]}
  # What earlier versions of this script unpacked behind dpkg's back goes first.
  if [ -f "/usr/lib/rustlib/$triple/provisioned-from" ]; then
    rm -rf "/usr/lib/rustlib/$triple"
  fi
  if [ "${STD[$arch]}" = prebuilt ]; then
    if [ "$(installed_version "$(std_package "$arch")")" != "$version" ]; then
      install_std_package "$arch" "$version"
    fi
    echo "prebuilt $version" > "$(memo "$arch")"
    log "$arch: Rust $version with Debian's prebuilt standard library for $triple ($(std_package "$arch"))"
  else
    # A prebuilt library of another version would be found first: it goes.
    if [ -n "$(installed_version "$(std_package "$arch")")" ]; then
      dpkg -r "$(std_package "$arch")" >/dev/null
    fi
    echo "build-std $version" > "$(memo "$arch")"
    log "$arch: Rust $version; no libstd-rust-web-dev:$arch=$version to be had (Debian ${OWN[$arch]}'s index), so cargo builds the standard library for $triple from rust-web-src (build-std)"
  fi
done

declare -A SYSROOT=()
for spec in "${specs[@]}"; do
  arch=${SPEC_ARCH[$spec]} release=${SPEC_RELEASE[$spec]} python=${SPEC_PYTHON[$spec]}
  default=$(release_of "$arch" "" "")
  if [ "$release $python" = "$default" ]; then
    sysroot="$cache/sysroots/$arch"
  else
    sysroot="$cache/sysroots/$arch-$release-$python"
  fi
  SYSROOT[$spec]=$sysroot
  log "$spec: the sysroot is Debian $release's $arch with python$python (maturin-cross sysroot debian:$release/$arch --python $python)"
  # The sysroot is the product's own: `maturin-cross sysroot` resolves it with apt (privately,
  # without root), keeps its downloads in the cache and leaves a finished root as it is, so a
  # second run needs no network. A root made by an earlier version of this script (no mark of
  # the command's) is moved aside, made again, then removed.
  old=
  if [ -d "$sysroot" ] && [ ! -f "$sysroot/.maturin-cross-sysroot" ]; then
    old=$(mktemp -d "$cache/sysroots/.old-$arch.XXXXXX")
    mv "$sysroot" "$old/"
  fi
  maturin_cross sysroot "debian:$release/$arch" "$sysroot" --python "$python" "${SYSROOT_WITH[@]}" \
    --cache "$cache/sysroot-downloads" >&2 \
    || die "cannot make the $spec sysroot (maturin-cross sysroot said why above)"
  [ -z "$old" ] || rm -rf "$old"
done

if command -v rustup >/dev/null && ! rustup toolchain list 2>/dev/null | grep -q '^debian-web'; then
  rustup toolchain link debian-web /usr
fi

for spec in "${specs[@]}"; do
  arch=${SPEC_ARCH[$spec]}
  echo "$arch ${SYSROOT[$spec]} ${RUST[$arch]} ${GNU[$arch]}-gcc ${QEMU[$arch]} ${STD[$arch]}" \
    "${SPEC_RELEASE[$spec]} ${SPEC_PYTHON[$spec]}"
done
