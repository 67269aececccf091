<#
.SYNOPSIS
Build LossLab's Windows installer: a PyInstaller one-folder bundle, then an Inno Setup setup.exe.

.DESCRIPTION
Run from any folder on Windows 10/11 x64, in PowerShell 5.1 or 7:

    powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1

Needs: Python 3.11+ (python.org installer, with the "py" launcher), Inno Setup 6.3+
(https://jrsoftware.org/isdl.php) and its unofficial Simplified Chinese messages file
ChineseSimplified.isl (https://jrsoftware.org/files/istrans/): copy it into
"<Inno Setup 6>\Languages\" or into packaging\windows\ (see losslab.iss).

Steps: a virtual environment in build\venv-win with CPU torch, LossLab and PyInstaller (and no
other Qt binding than PySide6); the .qm translations; the icons; PyInstaller
(packaging\losslab.spec -> dist\losslab\ with LossLab.exe and losslab-cli.exe); the bundle's
self-test (offscreen); Inno Setup -> dist\LossLab-<version>-setup.exe.

.PARAMETER Python
The interpreter that creates the environment (default: "py -3.11" through the launcher).
.PARAMETER TorchIndexUrl
Where CPU torch comes from (default: PyTorch's CPU index). Empty: pip's own index (PyPI's Windows
torch is the CPU build too).
.PARAMETER Iscc
Path of ISCC.exe when Inno Setup is not in its default folder.
.PARAMETER SkipInstaller
Stop after the bundle and its self-test.
#>
param(
    [string]$Python = "",
    [string]$TorchVersion = "2.13.0",
    [string]$TorchIndexUrl = "https://download.pytorch.org/whl/cpu",
    [string]$Iscc = "",
    [switch]$SkipInstaller
)

$ErrorActionPreference = "Stop"
$Repo = (Resolve-Path (Join-Path $PSScriptRoot "..\..")).Path
$Packaging = Join-Path $Repo "packaging"
$Dist = Join-Path $Repo "dist"
$Work = Join-Path $Repo "build"
$Venv = Join-Path $Work "venv-win"
$VenvPython = Join-Path $Venv "Scripts\python.exe"
$Bundle = Join-Path $Dist "losslab"

function Step([string]$Text) { Write-Host "`n== $Text" -ForegroundColor Cyan }

# Runs a program and stops the build when it fails (PowerShell does not, for native programs).
function Invoke-Native([string]$Program, [string[]]$Arguments) {
    & $Program @Arguments
    if ($LASTEXITCODE -ne 0) { throw "$Program $($Arguments -join ' ') failed (exit $LASTEXITCODE)" }
}

function Find-Iscc {
    if ($Iscc) { return $Iscc }
    $candidates = @(
        (Join-Path ${env:ProgramFiles(x86)} "Inno Setup 6\ISCC.exe"),
        (Join-Path $env:ProgramFiles "Inno Setup 6\ISCC.exe"),
        (Join-Path $env:LOCALAPPDATA "Programs\Inno Setup 6\ISCC.exe")
    )
    foreach ($candidate in $candidates) { if (Test-Path $candidate) { return $candidate } }
    $command = Get-Command iscc.exe -ErrorAction SilentlyContinue
    if ($command) { return $command.Source }
    throw "Inno Setup's ISCC.exe not found: install Inno Setup 6 or pass -Iscc PATH"
}

# ChineseSimplified.isl is not part of Inno Setup 6 (an unofficial translation): use the copy in
# Inno Setup's Languages folder, else one next to losslab.iss.
function Find-ChineseIsl([string]$IsccPath) {
    $installed = Join-Path (Split-Path $IsccPath) "Languages\ChineseSimplified.isl"
    if (Test-Path $installed) { return "" }  # losslab.iss's default compiler:Languages\... works
    $local = Join-Path $PSScriptRoot "ChineseSimplified.isl"
    if (Test-Path $local) { return $local }
    throw ("ChineseSimplified.isl not found. Download it from https://jrsoftware.org/files/istrans/ " +
        "into `"$(Split-Path $installed)`" or `"$PSScriptRoot`".")
}

Step "build environment $Venv"
if (-not (Test-Path $VenvPython)) {
    if ($Python) { Invoke-Native $Python @("-m", "venv", $Venv) }
    else { Invoke-Native "py" @("-3.11", "-m", "venv", $Venv) }
}
$pip = @("-m", "pip", "install", "--upgrade")
if ($TorchIndexUrl) { Invoke-Native $VenvPython ($pip + @("torch==$TorchVersion", "--index-url", $TorchIndexUrl)) }
else { Invoke-Native $VenvPython ($pip + @("torch==$TorchVersion")) }
Invoke-Native $VenvPython ($pip + @("-e", $Repo, "pyinstaller"))
# One Qt binding only: pyqtgraph's PyInstaller hook bundles the first one it finds.
$others = & $VenvPython -c "import importlib.util as u; print(' '.join(n for n in ('PyQt5', 'PyQt6', 'PySide2') if u.find_spec(n)))"
if ($others) { throw "the build environment has other Qt bindings ($others): delete $Venv" }

$env:QT_QPA_PLATFORM = "offscreen"
Push-Location $Repo
try {
    Step "translations and icons"
    Invoke-Native $VenvPython @("-m", "desktop_app.i18n", "build")
    Invoke-Native $VenvPython @((Join-Path $Packaging "make_icons.py"), (Join-Path $Work "icons"))

    Step "PyInstaller (several minutes)"
    Invoke-Native (Join-Path $Venv "Scripts\pyinstaller.exe") @(
        "--noconfirm", "--clean", "--log-level", "WARN", "--distpath", $Dist,
        "--workpath", (Join-Path $Work "pyinstaller"), (Join-Path $Packaging "losslab.spec"))

    Step "self-test (offscreen)"
    Invoke-Native (Join-Path $Bundle "losslab-cli.exe") @("self-test")
    Step "a first launch plays the shipped start-up runs"
    Invoke-Native $VenvPython @(
        (Join-Path $Packaging "check_shipped_runs.py"), (Join-Path $Bundle "losslab-cli.exe"))
    $size = (Get-ChildItem $Bundle -Recurse -File | Measure-Object -Sum Length).Sum / 1MB
    Write-Host ("bundle: {0:N0} MB" -f $size)

    if (-not $SkipInstaller) {
        Step "Inno Setup"
        $isccPath = Find-Iscc
        $chinese = Find-ChineseIsl $isccPath
        $version = & $VenvPython -c "import importlib.metadata as m; print(m.version('losslab'))"
        $arguments = @("/Q", "/DAppVersion=$version")
        if ($chinese) { $arguments += "/DChineseIsl=$chinese" }
        Invoke-Native $isccPath ($arguments + @((Join-Path $PSScriptRoot "losslab.iss")))
        Get-ChildItem (Join-Path $Dist "LossLab-$version-setup.exe") | Format-Table Name, Length
    }
}
finally {
    Pop-Location
}
