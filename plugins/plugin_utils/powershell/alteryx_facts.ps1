# alteryx.server: alteryx_facts
# Contract: read-only inventory of the Alteryx installation on this node (safe in check mode).
#   Parameters: ServiceName (default AlteryxService).
#   Result: computer_name, is_admin, service {name, state (Win32_Service State, e.g. 'Running', 'Stop Pending'),
#     start_mode, username, path} or $null, install_dir, version (getversion stdout), version_stderr,
#     install_time_utc, default_settings_xml, override_settings_xml ($null if absent; both read with BOM
#     detection), alteryx_config [{path, last_write_utc}] for both known locations that exist,
#     legacy_settings_present, keys_present, local_time (host clock, yyyy-MM-ddTHH:mm:ss).
#   Fails with failure_class 'validation' when the service is not installed.
[CmdletBinding(SupportsShouldProcess)]
param([string]$ServiceName = 'AlteryxService')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _invoke_native.ps1

$svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='$ServiceName'"
if (-not $svc) {
    $Ansible.Result = @{ failure_class = 'validation'; message = "Service $ServiceName is not installed on $env:COMPUTERNAME; is this an Alteryx Server node?" }
    $Ansible.Failed = $true
    return
}
$exe = $svc.PathName.Trim('"')
$installDir = Split-Path -Parent (Split-Path -Parent $exe)
$dataDir = Join-Path $env:ProgramData 'Alteryx'
$override = Join-Path $dataDir 'RuntimeSettings.xml'
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
$configs = New-Object Collections.ArrayList
foreach ($rel in 'bin\server\config\alteryx.config', 'bin\config\alteryx.config') {
    $path = Join-Path $installDir $rel
    if (Test-Path -LiteralPath $path) { $null = $configs.Add(@{ path = $path; last_write_utc = (Get-Item -LiteralPath $path -Force).LastWriteTimeUtc.ToString('o') }) }
}
$version = Invoke-Native $exe 'getversion'
$Ansible.Result = @{
    computer_name = $env:COMPUTERNAME
    is_admin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    service = @{ name = $svc.Name; state = $svc.State; start_mode = $svc.StartMode; username = $svc.StartName; path = $exe }
    install_dir = $installDir
    version = $version.stdout.Trim()
    version_stderr = $version.stderr
    install_time_utc = (Get-Item -LiteralPath $exe -Force).LastWriteTimeUtc.ToString('o')
    default_settings_xml = [IO.File]::ReadAllText((Join-Path $installDir 'bin\RuntimeData\RuntimeSettings.xml'))
    override_settings_xml = if (Test-Path -LiteralPath $override) { [IO.File]::ReadAllText($override) } else { $null }
    alteryx_config = $configs
    legacy_settings_present = Test-Path -LiteralPath (Join-Path $dataDir 'RuntimeSettings.22_2_legacy.xml')
    keys_present = Test-Path -LiteralPath (Join-Path $dataDir 'Keys')
    local_time = (Get-Date).ToString('yyyy-MM-ddTHH:mm:ss')
}
