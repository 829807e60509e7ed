#!/usr/bin/env bash
# Provision real BitBake and OpenEmbedded-Core for the Yocto layer's tests.
#
#   tools/provision-yocto.sh LAYER [SNAPSHOTS]
#
# LAYER is the layer to add to oe-core (contrib/yocto); SNAPSHOTS the folder with bitbake.tar.xz and
# openembedded-core.tar.xz (default: shared/yocto beside the checkout). As root, idempotently:
#   - the host tools oe-core's sanity checks want (chrpath cpio diffstat gawk file lz4 zstd), and
#     the locale en_US.UTF-8 that BitBake needs (C.UTF-8 is not enough);
#   - an unprivileged user, maturin-yocto: BitBake refuses to run as root. Where it cannot reach
#     LAYER or the cache (a folder such as /root on the way), it is given the right to traverse
#     that folder (an ACL entry for this user only), nothing more;
#   - the snapshots, unpacked once into $CROSS_PROVISION_CACHE/yocto/snapshots/<their sha256>
#     (default cache: ~/.cache/maturin-cross);
#   - a build folder $CROSS_PROVISION_CACHE/yocto/build-<hash of LAYER's path> owned by that user,
#     with oe-core's meta and LAYER in conf/bblayers.conf and a six-line conf/local.conf (MACHINE qemuarm, no network).
#     BitBake's parse cache stays in it, so only the first parse takes minutes.
# A second run with everything in place changes nothing and needs no network. Prints one line:
#   <user> <bitbake folder> <oe-core folder> <build folder>
set -euo pipefail

die() { echo "provision-yocto: error: $*" >&2; exit 1; }
log() { echo "provision-yocto: $*" >&2; }

if [ $# -lt 1 ] || [ $# -gt 2 ]; then die "usage: provision-yocto.sh LAYER [SNAPSHOTS]"; fi
layer=$(realpath "$1")
snapshots=$(realpath -m "${2:-$(dirname "$0")/../../shared/yocto}")
[ -f "$layer/conf/layer.conf" ] || die "$layer/conf/layer.conf not found; name a layer folder"
for tarball in bitbake openembedded-core; do
  [ -f "$snapshots/$tarball.tar.xz" ] \
    || die "$snapshots/$tarball.tar.xz not found; the snapshots live in shared/yocto beside the checkout"
done
[ "$(id -u)" = 0 ] || die "needs root for apt-get, locale-gen and useradd (run it as root or with sudo)"

cache=${CROSS_PROVISION_CACHE:-${MATURIN_CROSS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/maturin-cross}}
user=maturin-yocto
apt=(apt-get -o DPkg::Lock::Timeout=600 -qq)

# Host tools and the locale.
need_install=()
for tool in chrpath cpio diffstat gawk file lz4 zstd setfacl; do
  command -v "$tool" >/dev/null || need_install+=("$tool")
done
need_install=("${need_install[@]/setfacl/acl}")
dpkg -s locales >/dev/null 2>&1 || need_install+=(locales)
if [ ${#need_install[@]} -gt 0 ]; then
  log "installing ${need_install[*]}"
  "${apt[@]}" update || log "apt-get update reported errors (continuing)"
  DEBIAN_FRONTEND=noninteractive "${apt[@]}" install -y --no-install-recommends "${need_install[@]}" >/dev/null
fi
if ! locale -a 2>/dev/null | grep -qix 'en_US.utf8'; then
  log "generating the locale en_US.UTF-8"
  if grep -q '^# *en_US.UTF-8 UTF-8' /etc/locale.gen 2>/dev/null; then
    sed -i 's/^# *en_US.UTF-8 UTF-8/en_US.UTF-8 UTF-8/' /etc/locale.gen
  else
    echo 'en_US.UTF-8 UTF-8' >> /etc/locale.gen
  fi
  locale-gen >/dev/null
fi

# The unprivileged user, and its way to the layer and the cache.
if ! id -u "$user" >/dev/null 2>&1; then
  log "adding the user $user"
  useradd --system --create-home --home-dir "/var/lib/$user" --shell /usr/sbin/nologin "$user"
fi
as_user() { runuser -u "$user" -- "$@"; }
grant_traverse() {
  # From / down: a folder is reachable only if every folder above it is.
  local path=$1 folder=
  local -a parts
  IFS=/ read -ra parts <<< "${path#/}"
  for part in "${parts[@]}"; do
    folder="$folder/$part"
    if [ -d "$folder" ] && ! as_user test -x "$folder"; then
      log "letting $user traverse $folder (ACL u:$user:x)"
      setfacl -m "u:$user:x" "$folder"
    fi
  done
}
# The layer's recipe builds the source tree it sits in (externalsrc), two folders up.
grant_traverse "$layer"
as_user test -r "$layer/conf/layer.conf" || die "$user cannot read $layer/conf/layer.conf"
mkdir -p "$cache/yocto"
grant_traverse "$cache/yocto"

# The snapshots, unpacked once per content.
stamp=$(cat "$snapshots/bitbake.tar.xz" "$snapshots/openembedded-core.tar.xz" | sha256sum | cut -c1-16)
trees="$cache/yocto/snapshots/$stamp"
if [ ! -f "$trees/.complete" ]; then
  log "unpacking the snapshots into $trees"
  rm -rf "$cache/yocto/snapshots"; mkdir -p "$trees.tmp"
  for tarball in bitbake openembedded-core; do
    tar -xJf "$snapshots/$tarball.tar.xz" -C "$trees.tmp" --no-same-owner
  done
  if [ ! -x "$trees.tmp/bitbake/bin/bitbake" ] || [ ! -f "$trees.tmp/openembedded-core/meta/conf/layer.conf" ]; then
    die "the snapshots do not hold bitbake/bin/bitbake and openembedded-core/meta"
  fi
  chmod -R a+rX "$trees.tmp"
  touch "$trees.tmp/.complete"
  mv "$trees.tmp" "$trees"
fi

# The build folder, one per layer folder (two checkouts do not take turns invalidating one
# parse cache): written every time (unchanged text keeps BitBake's cache valid).
build="$cache/yocto/build-$(printf %s "$layer" | sha256sum | cut -c1-12)"
mkdir -p "$build/conf"
cat > "$build/conf/local.conf.new" <<EOF
MACHINE = "qemuarm"
DISTRO = ""
BB_HASHSERVE = ""
BB_SIGNATURE_HANDLER = "OEBasicHash"
CONF_VERSION = "2"
BB_NO_NETWORK = "1"
EOF
cat > "$build/conf/bblayers.conf.new" <<EOF
BBPATH = "\${TOPDIR}"
BBFILES ?= ""
BBLAYERS = "$trees/openembedded-core/meta $layer"
EOF
for conf in local.conf bblayers.conf; do
  if cmp -s "$build/conf/$conf.new" "$build/conf/$conf"; then
    rm "$build/conf/$conf.new"
  else
    mv "$build/conf/$conf.new" "$build/conf/$conf"
  fi
done
chown -R "$user:" "$build"

# BitBake's first parse in a new build folder writes caches (its code parser's) that change the
# configuration's hash, so the parse cache that parse saves is never used again and the next parse
# starts from nothing. Parsing one recipe first makes the first whole parse the one that is kept.
if [ ! -f "$build/.first-parse-done" ]; then
  log "a first parse of one recipe in $build"
  echo 'BBMASK = "/recipes-(?!core/base-files/)"' > "$build/conf/first-parse.conf"
  (cd "$build" && as_user env -i HOME="/var/lib/$user" LANG=en_US.UTF-8 LC_ALL=en_US.UTF-8 \
      PATH="$trees/bitbake/bin:/usr/bin:/bin" bitbake -R conf/first-parse.conf -p >&2) \
    || die "BitBake cannot parse in $build (its output is above)"
  rm "$build/conf/first-parse.conf"
  touch "$build/.first-parse-done"
fi

echo "$user $trees/bitbake $trees/openembedded-core $build"
