#!/usr/bin/env bash
# Try the built .deb on clean Debian systems: install it with apt into a fresh debootstrap chroot
# of each suite, run `losslab self-test` (offscreen, then on an X server), and open the window
# with the Surface Lab's 3D view under Xvfb (Mesa's software OpenGL) for a few seconds.
#
#   sudo packaging/test_in_chroots.sh [--deb FILE] [--root DIR] [--smoke-seconds N] [SUITE ...]
#
# SUITE: bullseye (Debian 11: glibc 2.31, apt must REFUSE the package), bookworm (Debian 12),
# trixie (Debian 13, newer libstdc++ and Mesa); default: all three. Ubuntu suites work the same way
# where Ubuntu's archive is reachable (MIRROR=<ubuntu mirror>, debootstrap knows noble, jammy).
#
# Needs root, debootstrap and access to the distribution's archive. Each suite's minimal base
# system (debootstrap --variant=minbase) is made once in DIR/base-SUITE (default DIR:
# /var/tmp/losslab-chroots) and copied to DIR/SUITE for every run, so that each test starts clean.
# Nothing but the .deb and what apt pulls in for it is installed before the self-test; xvfb and
# xauth come after it, for the window.
#
# Environment: MIRROR (the archive debootstrap uses; default: debootstrap's own).
# Prints a summary line per suite; exit status 1 when any suite did not behave as expected.
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
ROOT=/var/tmp/losslab-chroots
DEB=
SMOKE_SECONDS=5
SUITES=()
MIRROR=${MIRROR:-}

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

while [ $# -gt 0 ]; do
    case $1 in
        --deb) DEB=$2; shift 2 ;;
        --root) ROOT=$2; shift 2 ;;
        --smoke-seconds) SMOKE_SECONDS=$2; shift 2 ;;
        -h | --help) usage; exit 0 ;;
        -*) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
        *) SUITES+=("$1"); shift ;;
    esac
done
[ ${#SUITES[@]} -gt 0 ] || SUITES=(bullseye bookworm trixie)
if [ -z "$DEB" ]; then
    DEB=$(ls -t "$REPO"/dist/losslab_*.deb 2>/dev/null | head -n 1 || true)
fi
[ -f "$DEB" ] || { echo "no .deb (build it with packaging/build_linux.sh, or --deb FILE)" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "run as root (debootstrap, chroot, mount)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "needs debootstrap (apt-get install debootstrap)" >&2; exit 2; }

log() { printf '\n== [%s] %s\n' "$1" "$2"; }

MOUNTED=()
unmount_all() {
    local index
    for ((index = ${#MOUNTED[@]} - 1; index >= 0; index--)); do
        umount -R "${MOUNTED[$index]}" 2>/dev/null || umount -lR "${MOUNTED[$index]}" 2>/dev/null || true
    done
    MOUNTED=()
}
trap unmount_all EXIT

in_chroot() {
    # A clean environment: what a user's terminal would have, without the host's variables.
    local dir=$1
    shift
    chroot "$dir" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
        PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        DEBIAN_FRONTEND=noninteractive "$@"
}

prepare() {
    local suite=$1 base=$ROOT/base-$1 dir=$ROOT/$1
    if [ ! -e "$base/.complete" ]; then
        log "$suite" "debootstrap --variant=minbase (once)"
        rm -rf "$base"
        mkdir -p "$ROOT"
        # shellcheck disable=SC2086 # MIRROR is empty (debootstrap's default) or one word
        debootstrap --variant=minbase "$suite" "$base" $MIRROR >"$ROOT/debootstrap-$suite.log" 2>&1 || {
            tail -n 20 "$ROOT/debootstrap-$suite.log" >&2
            return 1
        }
        touch "$base/.complete"
    fi
    rm -rf "$dir"
    cp -a "$base" "$dir"
    cp /etc/resolv.conf "$dir/etc/resolv.conf"
    mount -t proc proc "$dir/proc" && MOUNTED+=("$dir/proc")
    mount --rbind /sys "$dir/sys" && mount --make-rslave "$dir/sys" && MOUNTED+=("$dir/sys")
    mount --rbind /dev "$dir/dev" && mount --make-rslave "$dir/dev" && MOUNTED+=("$dir/dev")
    cp "$DEB" "$dir/tmp/"
}

# One suite; prints the summary line as the last line, returns 0 when it behaved as expected.
test_suite() {
    local suite=$1 dir=$ROOT/$1 deb_in_chroot expect_refusal=0 out rc
    deb_in_chroot=/tmp/$(basename "$DEB")
    [ "$suite" = bullseye ] && expect_refusal=1
    prepare "$suite" || { SUMMARY+=("$suite: FAIL (debootstrap)"); return 1; }
    in_chroot "$dir" sh -c '. /etc/os-release; echo "$PRETTY_NAME"; ldd --version | head -n 1'

    log "$suite" "apt-get install $deb_in_chroot"
    in_chroot "$dir" apt-get update -qq
    set +e
    out=$(in_chroot "$dir" apt-get install -y "$deb_in_chroot" 2>&1)
    rc=$?
    set -e
    if [ $expect_refusal -eq 1 ]; then
        # apt's explanation: the unmet dependency and the version this system has.
        printf '%s\n' "$out" | grep -E -A3 'following packages have unmet|Depends:|^E:' || true
        if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q 'libc6 (>= '; then
            SUMMARY+=("$suite: OK, apt refused the package (exit $rc): it needs a newer libc6")
            return 0
        fi
        printf '%s\n' "$out" | tail -n 20
        SUMMARY+=("$suite: FAIL, apt did not refuse it (exit $rc)")
        return 1
    fi
    printf '%s\n' "$out" | grep -E 'newly installed|^Setting up losslab' || true
    if [ $rc -ne 0 ]; then
        printf '%s\n' "$out" | tail -n 30
        SUMMARY+=("$suite: FAIL, apt install exit $rc")
        return 1
    fi
    in_chroot "$dir" dpkg-query -W -f='installed: ${Package} ${Version}, Installed-Size ${Installed-Size} KiB\n' losslab
    in_chroot "$dir" du -sh /opt/losslab

    log "$suite" "losslab self-test (offscreen)"
    local self_test=FAIL window_test=FAIL smoke=FAIL
    if in_chroot "$dir" env QT_QPA_PLATFORM=offscreen timeout 600 losslab self-test; then
        self_test=ok
    fi

    log "$suite" "apt-get install xvfb xauth (for the window)"
    in_chroot "$dir" apt-get install -y -qq --no-install-recommends xvfb xauth >/dev/null
    log "$suite" "losslab self-test on an X server (xvfb-run)"
    if in_chroot "$dir" timeout 600 xvfb-run -a -s '-screen 0 1280x800x24' losslab self-test; then
        window_test=ok
    fi

    log "$suite" "window with the 3D view (xvfb-run, $SMOKE_SECONDS s after the engine loaded)"
    set +e
    out=$(in_chroot "$dir" timeout 600 xvfb-run -a -s '-screen 0 1280x800x24' \
        env LOSSLAB_SMOKE_3D="$SMOKE_SECONDS" losslab open 2>&1)
    rc=$?
    set -e
    printf '%s\n' "$out" | tail -n 15
    if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '"available": true'; then
        smoke=ok
    fi
    SUMMARY+=("$suite: self-test offscreen $self_test, self-test on X $window_test, 3D view $smoke (exit $rc)")
    unmount_all
    [ $self_test = ok ] && [ $window_test = ok ] && [ $smoke = ok ]
}

SUMMARY=()
STATUS=0
echo "package: $DEB ($(du -h "$DEB" | cut -f1))"
for suite in "${SUITES[@]}"; do
    start=$(date +%s)
    test_suite "$suite" || STATUS=1
    SUMMARY[-1]+=" [$(($(date +%s) - start)) s]"
    unmount_all
done

printf '\n== summary\n'
printf '%s\n' "${SUMMARY[@]}"
exit $STATUS
