#!/usr/bin/env bash
# Provision real cross toolchains, target sysroots and qemu from Debian's packages.
#
#   tools/provision-cross.sh armhf [arm64 i386 ppc64el s390x ...]
#
# For each Debian architecture this installs (as root, idempotently):
#   - the GNU cross compiler and C library for the target (the Rust linker);
#   - Debian's rustc-web/cargo-web pinned to the version whose standard library exists for the
#     target, with that standard library unpacked into /usr/lib/rustlib, linked into rustup as
#     the toolchain `debian-web` (rustup's own toolchain stays the default);
#   - qemu-user-static;
#   - a target sysroot with the target's own python3.11 at $MATURIN_CROSS_CACHE/sysroots/<arch>
#     (default cache: ~/.cache/maturin-cross), unpacked from .deb files that stay cached.
# A second run with everything in place does no network access. Prints one line per arch:
#   <arch> <sysroot> <rust triple> <linker> <qemu>
set -euo pipefail

cache=${MATURIN_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maturin-cross}

# Debian arch -> GNU triplet, Rust triple, qemu binary
declare -A GNU=([armhf]=arm-linux-gnueabihf [arm64]=aarch64-linux-gnu [i386]=i686-linux-gnu
                [ppc64el]=powerpc64le-linux-gnu [s390x]=s390x-linux-gnu)
declare -A RUST=([armhf]=armv7-unknown-linux-gnueabihf [arm64]=aarch64-unknown-linux-gnu
                 [i386]=i686-unknown-linux-gnu [ppc64el]=powerpc64le-unknown-linux-gnu
                 [s390x]=s390x-unknown-linux-gnu)
declare -A QEMU=([armhf]=qemu-arm-static [arm64]=qemu-aarch64-static [i386]=qemu-i386-static
                 [ppc64el]=qemu-ppc64le-static [s390x]=qemu-s390x-static)

# What a target python3.11 needs to start and to import an extension module.
SYSROOT_PACKAGES="python3.11 python3.11-minimal libpython3.11-minimal libpython3.11-stdlib
  libpython3.11 libpython3.11-dev libc6 libgcc-s1 zlib1g libexpat1 libffi8 libssl3 libbz2-1.0
  liblzma5 libsqlite3-0 libtinfo6 libncursesw6 libreadline8 libuuid1 libcrypt1 libnsl2 libtirpc3
  libdb5.3 libgssapi-krb5-2 libkrb5-3 libk5crypto3 libkrb5support0 libcom-err2 libkeyutils1"

die() { echo "provision-cross: error: $*" >&2; exit 1; }
log() { echo "provision-cross: $*" >&2; }

[ $# -gt 0 ] || die "name at least one Debian architecture (${!GNU[*]})"
for arch in "$@"; do
  [ -n "${GNU[$arch]:-}" ] || die "unknown architecture '$arch'; known: ${!GNU[*]}"
done
[ "$(id -u)" = 0 ] || die "needs root for apt-get and dpkg (run it as root or with sudo)"

apt_updated=
apt_update() {
  [ -n "$apt_updated" ] && return
  # The security index of a foreign architecture may fail to download; that is harmless.
  apt-get update -qq || log "apt-get update reported errors (continuing)"
  apt_updated=1
}

for arch in "$@"; do
  if ! dpkg --print-foreign-architectures | grep -qx "$arch"; then
    dpkg --add-architecture "$arch"
    apt_updated=
  fi
done

# The Rust version Debian ships a standard library for on every requested architecture.
stdlib_version() {
  apt-cache policy "libstd-rust-web-dev:$1" | sed -n 's/ *Candidate: //p'
}

need_install=()
command -v qemu-arm-static >/dev/null || need_install+=(qemu-user-static)
for arch in "$@"; do
  command -v "${GNU[$arch]}-gcc" >/dev/null || need_install+=("gcc-${GNU[$arch]}")
  dpkg -s "libc6-dev-$arch-cross" >/dev/null 2>&1 || need_install+=("libc6-dev-$arch-cross")
done

if [ ${#need_install[@]} -gt 0 ] || [ ! -x /usr/bin/rustc ]; then
  apt_update
fi
first=$1
version=$(dpkg-query -W -f '${Version}' rustc-web 2>/dev/null || true)
if [ -z "$version" ]; then
  apt_update
  version=$(stdlib_version "$first")
  [ -n "$version" ] && [ "$version" != "(none)" ] || die "Debian has no libstd-rust-web-dev for $first"
  need_install+=("rustc-web=$version" "cargo-web=$version" "libstd-rust-web-dev=$version")
fi
if [ ${#need_install[@]} -gt 0 ]; then
  log "installing ${need_install[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need_install[@]}" >/dev/null
fi

mkdir -p "$cache/debs"
for arch in "$@"; do
  triple=${RUST[$arch]}
  # The target's Rust standard library: unpacked, not installed (apt would fight over multiarch
  # versions of unrelated libraries). It only adds /usr/lib/rustlib/<triple>/.
  if [ ! -d "/usr/lib/rustlib/$triple/lib" ]; then
    apt_update
    debdir="$cache/debs/$arch"; mkdir -p "$debdir"
    (cd "$debdir" && apt-get download -qq "libstd-rust-web-dev:$arch=$version") \
      || die "Debian has no libstd-rust-web-dev:$arch=$version (rustc-web is $version); remove rustc-web and run again"
    dpkg -x "$debdir"/libstd-rust-web-dev_*"_$arch.deb" /
  fi

  sysroot="$cache/sysroots/$arch"
  if [ ! -f "$sysroot/.complete-2" ]; then
    apt_update
    debdir="$cache/debs/$arch"; mkdir -p "$debdir"
    log "building the $arch sysroot in $sysroot"
    # shellcheck disable=SC2086 # word splitting of the package list is intended
    (cd "$debdir" && apt-get download -qq $(printf "%s:$arch " $SYSROOT_PACKAGES))
    rm -rf "$sysroot.tmp"; mkdir -p "$sysroot.tmp"
    for deb in "$debdir"/*.deb; do
      case $deb in *libstd-rust*) continue ;; esac
      dpkg -x "$deb" "$sysroot.tmp"
    done
    # Absolute symlinks (ppc64el's /lib64/ld64.so.2 -> /lib/...) would resolve on the host, not
    # in the sysroot, when qemu -L follows them: make them relative.
    while IFS= read -r link; do
      dest=$(readlink "$link")
      case $dest in
        /*) ln -sfn "$(realpath -m --relative-to="$(dirname "$link")" "$sysroot.tmp$dest")" "$link" ;;
      esac
    done < <(find "$sysroot.tmp" -type l)
    touch "$sysroot.tmp/.complete-2"
    rm -rf "$sysroot"; mv "$sysroot.tmp" "$sysroot"
  fi
done

if ! rustup toolchain list 2>/dev/null | grep -q '^debian-web'; then
  rustup toolchain link debian-web /usr
fi

for arch in "$@"; do
  echo "$arch $cache/sysroots/$arch ${RUST[$arch]} ${GNU[$arch]}-gcc ${QEMU[$arch]}"
done
