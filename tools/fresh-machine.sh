#!/usr/bin/env bash
# Prove a README set-up command on a machine that never ran the project: a minimal Debian
# bookworm root made here with mmdebstrap (python3, python3-venv, python3-pip, git and
# ca-certificates, nothing else: no Rust, no rustup, no cross compiler, no qemu, and a system
# Python that refuses `pip install` outside a virtual environment), a fresh clone of this
# checkout's committed HEAD inside it, and the command run there exactly as the README writes it.
#
#   tools/fresh-machine.sh [--tests] [--keep]
#
# Runs the README's first set-up command (the main job); --tests runs its second (the test
# suite) instead. --keep leaves the root in place and says where. Needs root (mmdebstrap,
# chroot); the root reaches the package registries with this machine's apt sources for bookworm,
# name server, certificate bundle and pip configuration, copied in. Everything happens in a
# private mount namespace, so nothing stays mounted, and the root is removed afterwards.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
which_command=1
keep=
for arg in "$@"; do
  case $arg in
    --tests) which_command=2 ;;
    --keep) keep=1 ;;
    *) echo "fresh-machine: error: unknown argument '$arg'; usage: tools/fresh-machine.sh [--tests] [--keep]" >&2; exit 2 ;;
  esac
done

die() { echo "fresh-machine: error: $*" >&2; exit 1; }
say() { echo "fresh-machine: $*" >&2; }
started=$(date +%s)
elapsed() { echo "$(( $(date +%s) - started )) s"; }

[ "$(id -u)" = 0 ] || die "needs root (mmdebstrap and chroot); run it as root or with sudo"

# The README's set-up commands: the lines of the first code block after its "## Set-up"
# heading, without their comments.
command=$(awk '
  /^## Set-up/ { inside = 1; next }
  inside && /^```/ { if (block) exit; block = 1; next }
  block { sub(/[ \t]+#.*/, ""); if ($0 != "") print }
' "$here/README.md" | sed -n "${which_command}p")
[ -n "$command" ] || die "README.md has no set-up command $which_command in the code block under '## Set-up'"

if ! command -v mmdebstrap >/dev/null; then
  say "installing mmdebstrap"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=900 install -y -qq mmdebstrap \
    >/dev/null || die "cannot install mmdebstrap with apt-get; install it, then run this again"
fi

# This machine's apt sources for bookworm (its mirrors, its keyrings), and none of any other
# repository that the root would have no key for.
sources=()
for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$file" ] || continue
  if grep -Eq '^(Suites:.*[[:space:]]bookworm([[:space:]]|$)|deb[[:space:]].*[[:space:]]bookworm[[:space:]])' "$file"; then
    sources+=("$file")
  fi
done
[ ${#sources[@]} -gt 0 ] || die "no apt source for Debian bookworm in /etc/apt; the root needs one"

root=$(mktemp -d "${TMPDIR:-/var/tmp}/fresh-machine.XXXXXX")
cleanup() {
  if [ -n "$keep" ]; then say "the root stays at $root"; else rm -rf "$root"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

say "making a minimal Debian bookworm root in $root"
mmdebstrap --quiet --variant=minbase --include=python3,python3-venv,python3-pip,git,ca-certificates \
  bookworm "$root" "${sources[@]}" || die "mmdebstrap could not make the root (its words are above)"
say "root made in $(elapsed)"

# The network set-up of this machine, as a new machine here would have it.
cp /etc/resolv.conf "$root/etc/resolv.conf"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
[ ! -f /etc/pip.conf ] || cp /etc/pip.conf "$root/etc/pip.conf"

git clone --quiet "$here" "$root/root/maturin-cross"
say "in a fresh clone of $(git -C "$here" rev-parse --short HEAD), as the README writes it: $command"

proxies=()
for name in http_proxy https_proxy no_proxy HTTP_PROXY HTTPS_PROXY NO_PROXY; do
  [ -z "${!name:-}" ] || proxies+=("$name=${!name}")
done
status=0
# shellcheck disable=SC2016 # the inner shell expands its own arguments
unshare --mount --propagation private -- /bin/sh -c '
  root=$1; shift
  mount --rbind /dev "$root/dev" && mount -t proc proc "$root/proc" && mount --rbind /sys "$root/sys" \
    && exec chroot "$root" "$@"
' fresh-machine "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM="${TERM:-dumb}" \
  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "${proxies[@]}" \
  /bin/sh -c "cd /root/maturin-cross && $command" || status=$?

if [ "$status" -ne 0 ]; then
  die "'$command' failed (exit $status) in a fresh Debian bookworm root after $(elapsed)"
fi
say "OK: '$command' passed in a fresh Debian bookworm root in $(elapsed)"
