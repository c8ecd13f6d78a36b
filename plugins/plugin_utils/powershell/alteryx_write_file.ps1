# alteryx.server: alteryx_write_file
# Contract: writes Content (UTF-8, no BOM) to Path through a temporary name and a rename, so a reader never
#   sees half a file; Append adds to an existing file instead. Creates the parent folder.
#   Parameters: Path, Content, Append (bool).
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Result: path, size, sha256.
#   Fails: 'storage' when the file cannot be written.
[CmdletBinding()]
param([string]$Path, [string]$Content, [bool]$Append = $false, [string]$RunLogPath = '', [string]$RunLogText = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _run_log.ps1
Add-RunLog $RunLogPath $RunLogText
$utf8 = New-Object Text.UTF8Encoding($false)
try {
    $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($Path))
    $Ansible.Changed = $true
    if ($Append) { [IO.File]::AppendAllText($Path, $Content, $utf8) }
    else {
        [IO.File]::WriteAllText("$Path.tmp", $Content, $utf8)
        Move-Item -LiteralPath "$Path.tmp" -Destination $Path -Force
    }
    $Ansible.Result = @{ path = $Path; size = (Get-Item -LiteralPath $Path).Length
        sha256 = (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLower() }
} catch {
    if (Test-Path -LiteralPath "$Path.tmp") { Remove-Item -LiteralPath "$Path.tmp" -Force -ErrorAction SilentlyContinue }
    $Ansible.Result = @{ failure_class = 'storage'; message = "Cannot write $Path : $($_.Exception.Message)" }
    $Ansible.Failed = $true
}
