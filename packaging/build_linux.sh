#!/usr/bin/env bash
# Build LossLab's standalone Linux bundle (PyInstaller, one folder, CPU torch, PySide6 only), check
# it with `losslab self-test`, and package it as a .deb (installs to /opt/losslab).
#
#   packaging/build_linux.sh [--no-deb] [--tarball] [--measure]
#
# Runs on a fresh Debian 12+ / Ubuntu 24.04+ (amd64 or arm64) with Python 3.11 or newer. Missing
# system packages are installed with apt-get (as root, or through sudo).
# Output: dist/losslab/ (the bundle), dist/losslab_<version>_<arch>.deb, with --tarball also
# dist/losslab-<version>-linux-<arch>.tar.xz; --measure prints size and start times at the end.
# Install with `sudo apt install ./dist/losslab_<version>_<arch>.deb` (apt fetches the Depends;
# `dpkg -i` would leave the package unconfigured). packaging/test_in_chroots.sh tries the .deb on
# clean Debian 11, 12 and 13 systems.
#
# Environment (all optional):
#   PYTHON           interpreter for the build environment (default: the first of python3.11,
#                    python3.12, python3.13, python3 that is 3.11 or newer)
#   LOSSLAB_VENV     build environment folder (default: build/venv); reused when it exists
#   TORCH_VERSION    torch release to bundle (default 2.13.0, what the project is tested with)
#   TORCH_INDEX_URL  where CPU torch comes from (default: PyTorch's CPU wheel index; PyPI's Linux
#                    torch is the CUDA build, gigabytes larger). Set it empty to use pip's own
#                    configured index (e.g. a mirror or a local wheel folder that has a CPU build).
#   DEB_COMPRESSION  xz (default, smallest), zstd or gzip
#   DEB_MAINTAINER   the .deb's Maintainer field
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PACKAGING=$REPO/packaging
DIST=$REPO/dist
WORK=$REPO/build
VENV=${LOSSLAB_VENV:-$WORK/venv}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
TORCH_INDEX_URL=${TORCH_INDEX_URL-https://download.pytorch.org/whl/cpu}
DEB_COMPRESSION=${DEB_COMPRESSION:-xz}
BUNDLE=$DIST/losslab

usage() { awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; }

MAKE_DEB=1
MAKE_TARBALL=0
MEASURE=0
for arg in "$@"; do
    case $arg in
        --no-deb) MAKE_DEB=0 ;;
        --tarball) MAKE_TARBALL=1 ;;
        --measure) MEASURE=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "unknown option: $arg (see --help)" >&2; exit 2 ;;
    esac
done

# What the bundle loads from the system (the C/C++ runtimes, GL/EGL, libdrm, X11/xcb, Wayland,
# fontconfig, D-Bus, glib, and the libraries of Python's extension modules) is listed, with its
# package, in packaging/check_bundle.py (SYSTEM_PACKAGES): the spec bundles none of it, whatever
# the build machine has installed, and check_bundle.py computes the .deb's Depends from the bundle
# (with libc6 (>= the glibc it needs) and libstdc++6 (>= the GCC it needs)). They are installed
# here too, since the self-test starts Qt.
BUILD_PACKAGES=(binutils xz-utils)
DEB_MAINTAINER=${DEB_MAINTAINER:-LossLab maintainers <losslab@example.org>}

log() { printf '\n== %s\n' "$*"; }

install_system_packages() {
    local missing=() package status runtime_packages=()
    local python_any
    python_any=$(pick_python)
    python_any=${python_any:-$(command -v python3 || true)}
    if [ -n "$python_any" ]; then
        read -r -a runtime_packages < <("$python_any" "$PACKAGING/check_bundle.py" --runtime-packages)
    fi
    for package in "${BUILD_PACKAGES[@]}" "${runtime_packages[@]}"; do
        # Debian 13 and Ubuntu 24.04 renamed some libraries with a t64 suffix; either name counts.
        status=$(dpkg-query -W -f='${Status}\n' "$package" "${package}t64" 2>/dev/null || true)
        [[ $status == *"install ok installed"* ]] || missing+=("$package")
    done
    local python
    python=$(pick_python)
    if ! python_ok "$python"; then
        missing+=(python3 python3-venv)
    elif ! has_shared_libpython "$python"; then
        # PyInstaller bundles libpython3.X.so, which Debian ships apart from the interpreter.
        missing+=("libpython$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')")
    fi
    [ ${#missing[@]} -eq 0 ] && return 0
    log "installing system packages: ${missing[*]}"
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || {
            echo "missing packages and no sudo: apt-get install ${missing[*]}" >&2
            exit 1
        }
        sudo=sudo
    fi
    $sudo apt-get update
    # Package names that do not exist on this release (the t64 renames) are resolved by apt.
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y --no-install-recommends "${missing[@]}"
}

python_ok() {
    [ -n "$1" ] && "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 11))' 2>/dev/null
}

has_shared_libpython() {
    local soname libdir
    soname=$("$1" -c 'import sysconfig; print(sysconfig.get_config_var("INSTSONAME") or "")')
    libdir=$("$1" -c 'import sysconfig; print(sysconfig.get_config_var("LIBDIR") or "")')
    [ -n "$soname" ] && { [ -e "$libdir/$soname" ] || ldconfig -p | grep -q "$soname"; }
}

pick_python() {
    local candidate
    for candidate in ${PYTHON:-} python3.11 python3.12 python3.13 python3; do
        if command -v "$candidate" >/dev/null && python_ok "$candidate"; then
            echo "$candidate"
            return
        fi
    done
}

make_environment() {
    local python
    python=$(pick_python)
    [ -n "$python" ] || { echo "no Python >= 3.11 with venv found (set PYTHON)" >&2; exit 1; }
    if [ ! -x "$VENV/bin/python" ]; then
        log "creating the build environment $VENV with $python"
        "$python" -m venv "$VENV"
    fi
    local pip=("$VENV/bin/python" -m pip install --upgrade)
    # torch first, from the CPU index, so that installing LossLab finds it satisfied.
    if [ -n "$TORCH_INDEX_URL" ]; then
        "${pip[@]}" "torch==$TORCH_VERSION" --index-url "$TORCH_INDEX_URL"
    else
        "${pip[@]}" "torch==$TORCH_VERSION"
    fi
    "${pip[@]}" -e "$REPO" pyinstaller
    # One Qt binding only: pyqtgraph's PyInstaller hook bundles the first one it finds.
    local bindings
    bindings=$("$VENV/bin/python" - <<'EOF'
import importlib.util
print(" ".join(n for n in ("PyQt5", "PyQt6", "PySide2") if importlib.util.find_spec(n)))
EOF
)
    if [ -n "$bindings" ]; then
        echo "the build environment has other Qt bindings ($bindings): use a fresh LOSSLAB_VENV" >&2
        exit 1
    fi
    if "$VENV/bin/python" -c 'import torch, sys; sys.exit(torch.version.cuda is None)'; then
        echo "warning: this torch is a CUDA build; the bundle will be gigabytes larger" >&2
    fi
}

compile_translations() {
    # The app's .ts sources become .qm catalogues next to them (.qm files are not committed).
    log "translations"
    (cd "$REPO" && QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m desktop_app.i18n build)
}

run_pyinstaller() {
    log "icons"
    "$VENV/bin/python" "$PACKAGING/make_icons.py" "$WORK/icons" >/dev/null
    log "PyInstaller (several minutes)"
    (cd "$REPO" && "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
        --distpath "$DIST" --workpath "$WORK/pyinstaller" "$PACKAGING/losslab.spec")
}

strip_debug_info() {
    # pyenv's (and self-built) Pythons keep debug information in libpython and the extension
    # modules (about 25 MB); the wheels' libraries come stripped. Only files with it are touched.
    log "removing debug information"
    local file
    while IFS= read -r -d '' file; do
        # (grep without -q reads all of readelf's output: an early exit would fail the pipe.)
        if readelf -S "$file" 2>/dev/null | grep '\.debug_info' >/dev/null; then
            echo "  ${file#"$BUNDLE"/}"
            strip --strip-debug "$file"
        fi
    done < <(find "$BUNDLE" -type f -name '*.so*' -print0)
}

check_bundle() {
    log "checking the bundle"
    # Lessons, translations (ours and Qt's qtbase_zh_CN.qm), one Qt binding, nothing bundled that
    # must be the system's, no missing library; writes the .deb's Depends.
    "$VENV/bin/python" "$PACKAGING/check_bundle.py" "$BUNDLE" --depends "$WORK/deb-depends"
    log "self-test (offscreen)"
    QT_QPA_PLATFORM=offscreen "$BUNDLE/losslab" self-test
    local scene
    scene=$(find "$BUNDLE/_internal/resources/scenes" -name '*.json' | sort | head -n 1)
    log "losslab run $(basename "$scene") --steps 20"
    "$BUNDLE/losslab" run "$scene" --steps 20 --out "$WORK/run-check.json"
}

check_shipped_runs() {
    # The start-up lesson's runs ship computed (resources/run_cache, core.shipped_runs): a first
    # launch of the bundle must play them, not compute them.
    log "a first launch plays the shipped start-up runs"
    "$VENV/bin/python" "$PACKAGING/check_shipped_runs.py" "$BUNDLE/losslab"
}

app_version() {
    "$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("losslab"))'
}

build_deb() {
    local version arch root deb size depends size_px
    version=$(app_version)
    arch=$(dpkg --print-architecture)
    root=$WORK/deb/losslab_${version}_${arch}
    deb=$DIST/losslab_${version}_${arch}.deb
    log "building $deb ($DEB_COMPRESSION)"
    rm -rf "$root"
    mkdir -p "$root/DEBIAN" "$root/opt" "$root/usr/bin" "$root/usr/share/applications" \
        "$root/usr/share/icons/hicolor/scalable/apps"
    cp -a "$BUNDLE" "$root/opt/losslab"
    install -m 755 "$PACKAGING/linux/losslab" "$root/usr/bin/losslab"
    install -m 644 "$PACKAGING/linux/losslab.desktop" "$root/usr/share/applications/losslab.desktop"
    install -m 644 "$PACKAGING/icons/losslab.svg" "$root/usr/share/icons/hicolor/scalable/apps/"
    for size_px in 16 24 32 48 64 128 256 512; do
        install -D -m 644 "$WORK/icons/losslab-$size_px.png" \
            "$root/usr/share/icons/hicolor/${size_px}x${size_px}/apps/losslab.png"
    done
    # Computed by check_bundle.py: libc6 (>= glibc needed), libstdc++6 (>= GCC needed), the
    # packages of the system libraries the bundle loads (t64 alternatives for Debian 13 / Ubuntu
    # 24.04). apt then refuses a system that is too old, with the reason.
    depends=$(cat "$WORK/deb-depends")
    size=$(du -sk --exclude=DEBIAN "$root" | cut -f1)
    cat >"$root/DEBIAN/control" <<EOF
Package: losslab
Version: $version
Architecture: $arch
Maintainer: $DEB_MAINTAINER
Installed-Size: $size
Depends: $depends
Suggests: fonts-noto-cjk
Section: education
Priority: optional
Description: see why neural-network training succeeds or fails
 LossLab is a desktop lab for a deep-learning course: loss surfaces, optimizers,
 curvature and networks, live, with lessons in Chinese and English. This package
 is a self-contained build (Python, PySide6 and CPU PyTorch included) installed
 in /opt/losslab.
EOF
    find "$root" -type d -exec chmod 755 {} +
    dpkg-deb --root-owner-group -Z"$DEB_COMPRESSION" --build "$root" "$deb"
    dpkg-deb --info "$deb" | sed -n '1,14p'
    echo "download: $(du -h "$deb" | cut -f1), installed: $((size / 1024)) MiB"
}

build_tarball() {
    local tarball
    tarball=$DIST/losslab-$(app_version)-linux-$(uname -m).tar.xz
    log "building $tarball"
    tar -C "$DIST" -cf - losslab | xz -T0 -6 >"$tarball"
}

main() {
    install_system_packages
    make_environment
    compile_translations
    run_pyinstaller
    strip_debug_info
    check_bundle
    check_shipped_runs
    [ $MAKE_DEB -eq 0 ] || build_deb
    [ $MAKE_TARBALL -eq 0 ] || build_tarball

    log "done"
    du -sh "$BUNDLE"
    ls -l "$DIST"/*.deb "$DIST"/*.tar.xz 2>/dev/null || true
    if [ $MEASURE -eq 1 ]; then
        log "size and start times"
        local archives=() file
        for file in "$DIST"/*.deb "$DIST"/*.tar.xz; do
            [ -f "$file" ] && archives+=(--archive "$file")
        done
        "$VENV/bin/python" "$PACKAGING/measure_bundle.py" "$BUNDLE" "${archives[@]}"
    fi
}

# On one line, so that bash has read it whole before running: editing this file during a build
# then cannot derail it.
main; exit
