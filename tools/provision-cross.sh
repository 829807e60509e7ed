#!/usr/bin/env bash
# Provision real cross toolchains, target sysroots and qemu from Debian's packages.
#
#   tools/provision-cross.sh armhf [arm64 i386 ppc64el s390x armel mipsel mips64el ...]
#
# For each Debian architecture this installs (as root, idempotently):
#   - the GNU cross compiler and C library for the target (the Rust linker);
#   - Debian's newest rustc-web/cargo-web, linked into rustup as the toolchain `debian-web`
#     (rustup's own toolchain stays the default);
#   - the target's Rust standard library, chosen per architecture: Debian's prebuilt
#     libstd-rust-web-dev when the archive has it at exactly rustc-web's version (unpacked into
#     /usr/lib/rustlib), otherwise rust-web-src at rustc-web's version, from which maturin-cross
#     has cargo build the standard library (build-std). The archive moves one architecture at a
#     time, so no architecture's lag holds the compiler back;
#   - qemu-user-static;
#   - a target sysroot with the target's own python3.11 at $CROSS_PROVISION_CACHE/sysroots/<arch>
#     (default cache: ~/.cache/maturin-cross), unpacked from .deb files that stay cached.
# A second run with everything in place does no network access. Runs of this script wait for
# each other (a lock in the cache) and apt calls wait for another apt's lock. Prints one line per
# arch:
#   <arch> <sysroot> <rust triple> <linker> <qemu> <std: prebuilt|build-std>
set -euo pipefail

cache=${CROSS_PROVISION_CACHE:-${MATURIN_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maturin-cross}}

# Debian arch -> GNU triplet, Rust triple, qemu binary
declare -A GNU=([armhf]=arm-linux-gnueabihf [arm64]=aarch64-linux-gnu [i386]=i686-linux-gnu
                [ppc64el]=powerpc64le-linux-gnu [s390x]=s390x-linux-gnu [armel]=arm-linux-gnueabi
                [mipsel]=mipsel-linux-gnu [mips64el]=mips64el-linux-gnuabi64)
declare -A RUST=([armhf]=armv7-unknown-linux-gnueabihf [arm64]=aarch64-unknown-linux-gnu
                 [i386]=i686-unknown-linux-gnu [ppc64el]=powerpc64le-unknown-linux-gnu
                 [s390x]=s390x-unknown-linux-gnu [armel]=armv5te-unknown-linux-gnueabi
                 [mipsel]=mipsel-unknown-linux-gnu [mips64el]=mips64el-unknown-linux-gnuabi64)
declare -A QEMU=([armhf]=qemu-arm-static [arm64]=qemu-aarch64-static [i386]=qemu-i386-static
                 [ppc64el]=qemu-ppc64le-static [s390x]=qemu-s390x-static [armel]=qemu-arm-static
                 [mipsel]=qemu-mipsel-static [mips64el]=qemu-mips64el-static)

# What a target python3.11 needs to start and to import an extension module; and what real
# packages link from the sysroot (OpenSSL's -dev files) or import beside it (cffi's backend).
SYSROOT_PACKAGES="libssl-dev python3-cffi-backend python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
  libpython3.11 libpython3.11-dev libc6 libgcc-s1 zlib1g libexpat1 libffi8 libssl3 libbz2-1.0
  liblzma5 libsqlite3-0 libtinfo6 libncursesw6 libreadline8 libuuid1 libcrypt1 libnsl2 libtirpc3
  libdb5.3 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1"
SYSROOT_MARK=.complete-3
# The marks of earlier package lists, which this one includes: an older checkout sharing the
# cache (a branch, a worktree) takes this sysroot as its own instead of rebuilding it.
SYSROOT_OLDER_MARKS=".complete-2"

die() { echo "provision-cross: error: $*" >&2; exit 1; }
log() { echo "provision-cross: $*" >&2; }

[ $# -gt 0 ] || die "name at least one Debian architecture (${!GNU[*]})"
for arch in "$@"; do
  [ -n "${GNU[$arch]:-}" ] || die "unknown architecture '$arch'; known: ${!GNU[*]}"
done
[ "$(id -u)" = 0 ] || die "needs root for apt-get and dpkg (run it as root or with sudo)"

mkdir -p "$cache/debs" "$cache/sysroots"
exec 9>"$cache/.provision.lock"
flock 9

APT=(-o DPkg::Lock::Timeout=900)
apt_updated=
apt_update() {
  [ -n "$apt_updated" ] && return
  # The security index of a foreign architecture may fail to download; that is harmless.
  apt-get "${APT[@]}" update -qq || log "apt-get update reported errors (continuing)"
  apt_updated=1
}
apt_install() {
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get "${APT[@]}" install -y -qq --no-install-recommends "$@" \
    >/dev/null
}

for arch in "$@"; do
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    dpkg --add-architecture "$arch"
    apt_updated=
  fi
done

# Where a target's prebuilt standard library goes; what it was unpacked from.
rustlib() { echo "/usr/lib/rustlib/$1"; }
stamp() { echo "/usr/lib/rustlib/$1/provisioned-from"; }
installed_version() {
  dpkg-query -W -f '${db:Status-Abbrev} ${Version}' "$1" 2>/dev/null | sed -n 's/^ii *//p'
}
# The choice made for an architecture at a rustc-web version, remembered so that a second run
# needs no network: "prebuilt" or "build-std".
memo() { echo "$cache/std/$1"; }

# The standard library's state for arch $1 at rustc-web $2: prints prebuilt or build-std when
# it is in place, nothing otherwise.
std_in_place() {
  local triple=${RUST[$1]} said
  said=$(cat "$(memo "$1")" 2>/dev/null || true)
  case $said in
    "prebuilt $2")
      [ "$(cat "$(stamp "$triple")" 2>/dev/null)" = "libstd-rust-web-dev:$1=$2" ] && echo prebuilt ;;
    "build-std $2")
      [ "$(installed_version rust-web-src)" = "$2" ] && [ ! -d "$(rustlib "$triple")" ] \
        && echo build-std ;;
  esac
  return 0
}

need_install=()
command -v qemu-arm-static >/dev/null || need_install+=(qemu-user-static)
# openssl-sys and other -sys crates find the sysroot's libraries with pkg-config.
command -v pkg-config >/dev/null || need_install+=(pkgconf)
for arch in "$@"; do
  command -v "${GNU[$arch]}-gcc" >/dev/null || need_install+=("gcc-${GNU[$arch]}")
  dpkg -s "libc6-dev-$arch-cross" >/dev/null 2>&1 || need_install+=("libc6-dev-$arch-cross")
done

# The compiler: the rustc-web already installed while it serves every requested architecture
# (no network), otherwise Debian's newest.
version=$(installed_version rustc-web)
ready=1
for arch in "$@"; do
  [ -n "$version" ] && [ -n "$(std_in_place "$arch" "$version")" ] || ready=
done
if [ -z "$ready" ]; then
  apt_update
  version=$(apt-cache policy rustc-web | sed -n 's/ *Candidate: //p')
  [ -n "$version" ] && [ "$version" != "(none)" ] || die "Debian has no rustc-web for this machine"
fi
[ "$(installed_version rustc-web)" = "$version" ] \
  || need_install+=("rustc-web=$version" "cargo-web=$version" "libstd-rust-web-dev=$version")

# Per architecture: the prebuilt standard library at exactly that version, or the sources.
declare -A STD=()
mkdir -p "$cache/std"
for arch in "$@"; do
  STD[$arch]=$(std_in_place "$arch" "$version")
  [ -n "${STD[$arch]}" ] && continue
  apt_update
  if apt-cache madison "libstd-rust-web-dev:$arch" | awk -F'|' '{gsub(/ /, "", $2); print $2}' \
      | grep -qxF "$version"; then
    STD[$arch]=prebuilt
  else
    STD[$arch]=build-std
    [ "$(installed_version rust-web-src)" = "$version" ] || need_install+=("rust-web-src=$version")
  fi
done

if [ ${#need_install[@]} -gt 0 ]; then
  apt_update
  # shellcheck disable=SC2207 # one package per word
  apt_install $(printf '%s\n' "${need_install[@]}" | sort -u)
fi

for arch in "$@"; do
  triple=${RUST[$arch]}
  want="libstd-rust-web-dev:$arch=$version"
  if [ "${STD[$arch]}" = prebuilt ]; then
    if [ ! -f "$(stamp "$triple")" ] || [ "$(cat "$(stamp "$triple")")" != "$want" ]; then
      # Unpacked, not installed (apt would fight over multiarch versions of unrelated
      # libraries); it only adds /usr/lib/rustlib/<triple>/. An older version goes first.
      debdir="$cache/debs/$arch"; mkdir -p "$debdir"
      rm -f "$debdir"/libstd-rust-web-dev_*.deb
      (cd "$debdir" && apt-get -o APT::Sandbox::User=root download -qq "$want") || die "cannot download $want"
      rm -rf "$(rustlib "$triple")"
      dpkg -x "$debdir"/libstd-rust-web-dev_*"_$arch.deb" /
      echo "$want" > "$(stamp "$triple")"
    fi
    echo "prebuilt $version" > "$(memo "$arch")"
    log "$arch: Rust $version with Debian's prebuilt standard library for $triple"
  else
    # A stale prebuilt library of another version would be found first: remove it.
    rm -rf "$(rustlib "$triple")"
    echo "build-std $version" > "$(memo "$arch")"
    log "$arch: Rust $version; Debian has no libstd-rust-web-dev:$arch=$version, so cargo builds the standard library for $triple from rust-web-src (build-std)"
  fi

  sysroot="$cache/sysroots/$arch"
  if [ ! -f "$sysroot/$SYSROOT_MARK" ]; then
    apt_update
    debdir="$cache/debs/$arch"; mkdir -p "$debdir"
    log "building the $arch sysroot in $sysroot"
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    (cd "$debdir" && apt-get -o APT::Sandbox::User=root download -qq $(printf "%s:$arch " $SYSROOT_PACKAGES))
    rm -rf "$sysroot".tmp.*  # what a killed run left (the lock says no run is live)
    work=$(mktemp -d "$sysroot.tmp.XXXXXX")
    for deb in "$debdir"/*.deb; do
      case $deb in *libstd-rust*) continue ;; esac
      dpkg -x "$deb" "$work"
    done
    # Absolute symlinks (ppc64el's /lib64/ld64.so.2 -> /lib/...) would resolve on the host, not
    # in the sysroot, when qemu -L follows them: make them relative.
    while IFS= read -r link; do
      dest=$(readlink "$link")
      case $dest in
        /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$work$dest")" "$link" ;;
      esac
    done < <(find "$work" -type l)
    for mark in $SYSROOT_MARK $SYSROOT_OLDER_MARKS; do touch "$work/$mark"; done
    rm -rf "$sysroot"; mv "$work" "$sysroot"
  fi
done

if ! rustup toolchain list 2>/dev/null | grep -q '^debian-web'; then
  rustup toolchain link debian-web /usr
fi

for arch in "$@"; do
  echo "$arch $cache/sysroots/$arch ${RUST[$arch]} ${GNU[$arch]}-gcc ${QEMU[$arch]} ${STD[$arch]}"
done
