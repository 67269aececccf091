; Inno Setup script for LossLab's Windows installer (English and Simplified Chinese wizard).
;
; Build it with packaging\windows\build.ps1, which makes dist\losslab (PyInstaller, one folder) and
; build\icons first, then runs:
;     ISCC.exe /DAppVersion=0.1.0 packaging\windows\losslab.iss
; Output: dist\LossLab-<version>-setup.exe
;
; Chinese wizard: Inno Setup 6 ships ChineseSimplified.isl only as an UNOFFICIAL translation, not
; in its Languages folder. Download it from https://jrsoftware.org/files/istrans/ (the "Chinese
; (Simplified)" entry; kept up to date at github.com/kira-96/Inno-Setup-Chinese-Simplified-Translation)
; and either put it into "<Inno Setup 6>\Languages\" or next to this script (build.ps1 then passes
; /DChineseIsl=<path>). The file must match the Inno Setup version (6.1+ / 6.4+ / 6.5+).
; Needs Inno Setup 6.3 or newer (x64compatible). This file is UTF-8 with a BOM (for the Chinese).

#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef BundleDir
  #define BundleDir "..\..\dist\losslab"
#endif
#ifndef IconFile
  #define IconFile "..\..\build\icons\losslab.ico"
#endif
#ifndef ChineseIsl
  #define ChineseIsl "compiler:Languages\ChineseSimplified.isl"
#endif

[Setup]
; AppId identifies the product for upgrades and uninstall: never change it.
AppId={{E792EA07-6994-4A48-946B-8200611DD1FB}
AppName=LossLab
AppVersion={#AppVersion}
AppVerName=LossLab {#AppVersion}
AppPublisher=LossLab
DefaultDirName={autopf}\LossLab
DefaultGroupName=LossLab
DisableProgramGroupPage=yes
; Students often have no administrator rights: install for the current user unless they choose.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir=..\..\dist
OutputBaseFilename=LossLab-{#AppVersion}-setup
SetupIconFile={#IconFile}
UninstallDisplayIcon={app}\LossLab.exe
UninstallDisplayName=LossLab {#AppVersion}
; ~900 MB of torch and Qt: LZMA2 in a separate process keeps the compiler's memory in check.
Compression=lzma2/max
SolidCompression=yes
LZMAUseSeparateProcess=yes
WizardStyle=modern
ShowLanguageDialog=auto
LanguageDetectionMethod=uilanguage
CloseApplications=yes
ChangesAssociations=no

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"
Name: "chinesesimplified"; MessagesFile: "{#ChineseIsl}"

[CustomMessages]
english.AppComment=See why neural-network training succeeds or fails
chinesesimplified.AppComment=看清神经网络训练为什么成功、为什么失败
english.SelfTestName=LossLab self-test
chinesesimplified.SelfTestName=LossLab 自检
english.SelfTestComment=Check that LossLab works on this computer
chinesesimplified.SelfTestComment=检查 LossLab 能否在这台电脑上正常运行

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
; The whole PyInstaller folder: LossLab.exe (window), losslab-cli.exe (command line), _internal\.
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[InstallDelete]
; An upgrade replaces the bundle whole, so that no file of an older torch or Qt stays behind.
Type: filesandordirs; Name: "{app}\_internal"

[Icons]
Name: "{group}\LossLab"; Filename: "{app}\LossLab.exe"; Comment: "{cm:AppComment}"
Name: "{group}\{cm:SelfTestName}"; Filename: "{cmd}"; Parameters: "/k ""{app}\losslab-cli.exe"" self-test"; WorkingDir: "{app}"; Comment: "{cm:SelfTestComment}"
Name: "{group}\{cm:UninstallProgram,LossLab}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\LossLab"; Filename: "{app}\LossLab.exe"; Comment: "{cm:AppComment}"; Tasks: desktopicon

[Run]
Filename: "{app}\LossLab.exe"; Description: "{cm:LaunchProgram,LossLab}"; Flags: nowait postinstall skipifsilent
