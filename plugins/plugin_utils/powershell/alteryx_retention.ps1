# alteryx.server: alteryx_retention
# Contract: lists backup files in Folders, or deletes the given ones. Deletes only names that match
#   ServerBackup_<Full|DB|Config>_YYYYMMDD_HHmmss.zip[.sha256]; the controller decides what to delete.
#   Parameters: Folders (string[]), Delete (string[] of full paths; empty = list only).
#   Check mode (-WhatIf): lists, deletes nothing.
#   Result: listing [{folder, name, size}] (one entry per file, flat), deleted (string[]).
#   Fails: 'storage' when a folder cannot be read or a file cannot be deleted.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Folders = @(), [string[]]$Delete = @())
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$pattern = '^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip(\.sha256)?$'
$deleted = New-Object Collections.ArrayList
$listing = New-Object Collections.ArrayList
try {
    foreach ($path in @($Delete)) {
        if ((Split-Path -Leaf $path) -notmatch $pattern) { continue }
        if ($PSCmdlet.ShouldProcess($path, 'Remove old backup') -and (Test-Path -LiteralPath $path)) {
            $Ansible.Changed = $true
            Remove-Item -LiteralPath $path -Force
            $null = $deleted.Add($path)
        }
    }
    foreach ($folder in @($Folders)) {
        if (-not (Test-Path -LiteralPath $folder)) { continue }
        foreach ($file in Get-ChildItem -LiteralPath $folder -File -Force) {
            if ($file.Name -match $pattern) { $null = $listing.Add(@{ folder = $folder; name = $file.Name; size = $file.Length }) }
        }
    }
} catch {
    $Ansible.Result = @{ failure_class = 'storage'; message = "Retention failed: $($_.Exception.Message)"; deleted = $deleted }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ listing = $listing; deleted = $deleted }
