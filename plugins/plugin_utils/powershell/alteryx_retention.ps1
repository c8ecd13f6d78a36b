# alteryx.server: alteryx_retention
# Contract: lists the backup archives in Folders, hashes the given ones, or deletes the given ones; the controller
#   judges and decides (a call normally does one of the three). Only names that match (case-sensitively)
#   ServerBackup_<Full|DB|Config>_YYYYMMDD_HHmmss.zip are listed; only those and the files attached to them (the
#   '.sha256' sidecar and the '.manifest.json' copy of the manifest) are deleted.
#   Listing reads each archive's sidecar (first line, trimmed) and its zip central directory (cheap: no hashing).
#   Parameters: Folders (string[]), Hash (string[] of full paths), Delete (string[] of full paths).
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Check mode (-WhatIf): lists and hashes, deletes nothing.
#   Result: listing [{folder, name, size, has_sidecar, sidecar ('' when absent), has_manifest, has_manifest_copy}] (flat, one entry per
#     archive; a missing folder has none), hashes [{path, sha256 (lower-case hex, '' on error), error ('' or why the
#     file could not be hashed)}], deleted (string[]).
#   Fails: 'storage' when a folder or a sidecar cannot be read or a file cannot be deleted.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Folders = @(), [string[]]$Hash = @(), [string[]]$Delete = @(), [string]$RunLogPath = '', [string]$RunLogText = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _run_log.ps1
Add-RunLog $RunLogPath $RunLogText
#include _zip_manifest.ps1

$pattern = '^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip(\.sha256|\.manifest\.json)?$'
$archivePattern = '^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip$'
$deleted = New-Object Collections.ArrayList
$hashes = New-Object Collections.ArrayList
$listing = New-Object Collections.ArrayList
try {
    foreach ($path in @($Delete)) {
        if ((Split-Path -Leaf $path) -cnotmatch $pattern) { continue }
        if ($PSCmdlet.ShouldProcess($path, 'Remove old backup') -and (Test-Path -LiteralPath $path)) {
            $Ansible.Changed = $true
            Remove-Item -LiteralPath $path -Force
            $null = $deleted.Add($path)
        }
    }
    foreach ($path in @($Hash)) {
        try { $sha = (Get-FileHash -LiteralPath $path -Algorithm SHA256).Hash.ToLower(); $why = '' }
        catch { $sha = ''; $why = $_.Exception.Message }
        $null = $hashes.Add(@{ path = $path; sha256 = $sha; error = $why })
    }
    foreach ($folder in @($Folders)) {
        if (-not (Test-Path -LiteralPath $folder)) { continue }
        foreach ($file in Get-ChildItem -LiteralPath $folder -File -Force) {
            if ($file.Name -cnotmatch $archivePattern) { continue }
            $side = Join-Path $folder "$($file.Name).sha256"
            $hasSidecar = Test-Path -LiteralPath $side -PathType Leaf
            $sidecar = ''
            if ($hasSidecar) { $sidecar = [IO.File]::ReadAllText($side).Split([char[]]"`r`n")[0].Trim() }
            $hasCopy = Test-Path -LiteralPath (Join-Path $folder "$($file.Name).manifest.json") -PathType Leaf
            $null = $listing.Add(@{ folder = $folder; name = $file.Name; size = $file.Length; has_sidecar = $hasSidecar
                sidecar = $sidecar; has_manifest = (Test-ZipManifest $file.FullName); has_manifest_copy = $hasCopy })
        }
    }
} catch {
    $Ansible.Result = @{ failure_class = 'storage'; message = "Retention failed: $($_.Exception.Message)"; deleted = $deleted }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ listing = $listing; hashes = $hashes; deleted = $deleted }
