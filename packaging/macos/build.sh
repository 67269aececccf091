#!/usr/bin/env bash
# Build LossLab.app and a .dmg on macOS 12+ (Apple silicon or Intel; build on each for each).
#
#   packaging/macos/build.sh
#
# Needs Python 3.11+ (python.org installer or Homebrew) and Xcode's command-line tools
# (xcode-select --install). Output: dist/LossLab.app and dist/LossLab-<version>-macos-<arch>.dmg.
#
# Environment (all optional):
#   PYTHON                      interpreter for the build environment (default python3.11)
#   LOSSLAB_VENV                build environment folder (default build/venv-macos)
#   TORCH_VERSION               torch release to bundle (default 2.13.0); PyPI's macOS torch has
#                               no CUDA, so it is already the small build
#   DMG_FORMAT                  hdiutil image format (default UDZO, zlib; ULFO is smaller, 10.11+)
# Signing and notarization (optional; without them Gatekeeper asks users to right-click > Open):
#   LOSSLAB_CODESIGN_IDENTITY   "Developer ID Application: NAME (TEAMID)": PyInstaller signs every
#                               binary with the hardened runtime and packaging/macos/entitlements.plist
#   NOTARY_PROFILE              a notarytool keychain profile (xcrun notarytool store-credentials):
#                               the .dmg is signed, notarized and stapled
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
PACKAGING=$REPO/packaging
DIST=$REPO/dist
WORK=$REPO/build
VENV=${LOSSLAB_VENV:-$WORK/venv-macos}
PYTHON=${PYTHON:-python3.11}
TORCH_VERSION=${TORCH_VERSION:-2.13.0}
DMG_FORMAT=${DMG_FORMAT:-UDZO}
APP=$DIST/LossLab.app

log() { printf '\n== %s\n' "$*"; }

main() {
    [ "$(uname)" = Darwin ] || { echo "this script runs on macOS" >&2; exit 1; }

    log "build environment $VENV"
    [ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --upgrade "torch==$TORCH_VERSION"
    "$VENV/bin/python" -m pip install --upgrade -e "$REPO" pyinstaller
    # One Qt binding only: pyqtgraph's PyInstaller hook bundles the first one it finds.
    local others
    others=$("$VENV/bin/python" -c 'import importlib.util as u
print(" ".join(n for n in ("PyQt5", "PyQt6", "PySide2") if u.find_spec(n)))')
    [ -z "$others" ] || { echo "other Qt bindings in $VENV ($others): delete it" >&2; exit 1; }

    log "translations and icons"
    (cd "$REPO" && QT_QPA_PLATFORM=offscreen "$VENV/bin/python" -m desktop_app.i18n build)
    QT_QPA_PLATFORM=offscreen "$VENV/bin/python" "$PACKAGING/make_icons.py" "$WORK/icons"

    log "PyInstaller (several minutes)"
    (cd "$REPO" && "$VENV/bin/pyinstaller" --noconfirm --clean --log-level WARN \
        --distpath "$DIST" --workpath "$WORK/pyinstaller" "$PACKAGING/losslab.spec")

    log "self-test (offscreen)"
    QT_QPA_PLATFORM=offscreen "$APP/Contents/MacOS/losslab-cli" self-test
    log "a first launch plays the shipped start-up runs"
    "$VENV/bin/python" "$PACKAGING/check_shipped_runs.py" "$APP/Contents/MacOS/losslab-cli"
    du -sh "$APP"

    local version arch dmg staging
    version=$("$VENV/bin/python" -c 'import importlib.metadata as m; print(m.version("losslab"))')
    arch=$(uname -m)
    dmg=$DIST/LossLab-$version-macos-$arch.dmg
    log "disk image $dmg"
    staging=$WORK/dmg
    rm -rf "$staging" "$dmg"
    mkdir -p "$staging"
    cp -R "$APP" "$staging/"
    ln -s /Applications "$staging/Applications"  # drag LossLab onto it to install
    hdiutil create -volname LossLab -srcfolder "$staging" -ov -format "$DMG_FORMAT" "$dmg"

    if [ -n "${LOSSLAB_CODESIGN_IDENTITY:-}" ]; then
        codesign --force --timestamp --sign "$LOSSLAB_CODESIGN_IDENTITY" "$dmg"
        if [ -n "${NOTARY_PROFILE:-}" ]; then
            log "notarizing (minutes to hours)"
            xcrun notarytool submit "$dmg" --keychain-profile "$NOTARY_PROFILE" --wait
            xcrun stapler staple "$dmg"
        fi
    fi
    ls -l "$dmg"
}

# On one line, so that bash has read it whole before running it.
main "$@"; exit
