# alteryx.server: alteryx_retention
# Contract: lists backup files in Folders, or deletes the given ones. Deletes only names that match
#   ServerBackup_<Full|DB|Config>_YYYYMMDD_HHmmss.zip[.sha256]; the controller decides what to delete.
#   Parameters: Folders (string[]), Delete (string[] of full paths; empty = list only).
#   Check mode (-WhatIf): lists, deletes nothing.
#   Result: listing [{folder, names (string[])}], deleted (string[]).
#   Fails: 'storage' when a folder cannot be read or a file cannot be deleted.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Folders = @(), [string[]]$Delete = @())
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$pattern = '^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip(\.sha256)?$'
trap {
    $Ansible.Result = @{ failure_class = 'storage'; message = "Retention failed: $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$deleted = @(foreach ($path in $Delete) {
    if ((Split-Path -Leaf $path) -notmatch $pattern) { continue }
    if ($PSCmdlet.ShouldProcess($path, 'Remove old backup') -and (Test-Path -LiteralPath $path)) { Remove-Item -LiteralPath $path -Force; $path }
})
$listing = foreach ($folder in $Folders) {
    $names = if (Test-Path -LiteralPath $folder) { @(Get-ChildItem -LiteralPath $folder -File | Where-Object Name -match $pattern | ForEach-Object Name) } else { @() }
    @{ folder = $folder; names = @($names) }
}
$Ansible.Changed = $deleted.Count -gt 0
$Ansible.Result = @{ listing = @($listing); deleted = $deleted }
