# alteryx.server: alteryx_restore_check
# Contract: reads an archive on the node before a restore touches anything; judges nothing (the controller does).
#   Archive: the archive's full path; '' = the newest ServerBackup_<code>_<yyyyMMdd_HHmmss>.zip (by name) in
#   BackupPath whose code is one of Modes, whose timestamp is Timestamp (when given) and whose name is not in Exclude
#   (archives the controller already found damaged). Hashes the archive, reads its '.sha256' sidecar, and opens it read-only: every file entry's SHA256
#   and size, the text of BackupManifest.json and of its signature BackupManifest.json.sig, and the text of the
#   published manifest copy '<archive>.manifest.json'. Changes nothing on the node (safe in check mode).
#   Parameters: Archive, BackupPath, Timestamp, Modes, Exclude.
#   Result: archive (the path read), archive_sha256, archive_size, sidecar (its text, $null when absent),
#     manifest_copy (the text of '<archive>.manifest.json', $null when absent), manifest (the text of
#     BackupManifest.json, $null when absent), signature (the text of BackupManifest.json.sig, $null when absent),
#     entries [{name, size, sha256}].
#   Fails: 'validation' when no archive is found or it cannot be read as a zip (a damaged entry fails its read).
[CmdletBinding(SupportsShouldProcess)]
param([string]$Archive = '', [string]$BackupPath = '', [string]$Timestamp = '', [string[]]$Modes = @('Full', 'DB', 'Config'), [string[]]$Exclude = @())
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1

function Get-StreamHash([IO.Stream]$Stream) {
    $sha = [Security.Cryptography.SHA256]::Create()
    try { ([BitConverter]::ToString($sha.ComputeHash($Stream)) -replace '-', '').ToLower() } finally { $sha.Dispose() }
}

$result = @{ archive = $Archive; archive_sha256 = ''; archive_size = 0; sidecar = $null; manifest_copy = $null; manifest = $null; signature = $null; entries = @() }
try {
    if (-not $Archive) {
        $stamp = if ($Timestamp) { [regex]::Escape($Timestamp) } else { '\d{8}_\d{6}' }
        $pattern = '^ServerBackup_(' + ($Modes -join '|') + ')_' + $stamp + '\.zip$'
        $names = @(Get-ChildItem -LiteralPath $BackupPath -File | Where-Object { $_.Name -match $pattern -and $Exclude -notcontains $_.Name } | Sort-Object Name)
        if (-not $names.Count) { throw (New-StepError 'validation' "No ServerBackup_($($Modes -join '|'))_$(if ($Timestamp) { $Timestamp } else { '*' }).zip archive in $BackupPath.") }
        $result.archive = $names[-1].FullName
    }
    if (-not (Test-Path -LiteralPath $result.archive -PathType Leaf)) { throw (New-StepError 'validation' "Archive $($result.archive) not found.") }
    $result.archive_sha256 = (Get-FileHash -LiteralPath $result.archive -Algorithm SHA256).Hash.ToLower()
    $sidecar = $result.archive + '.sha256'
    if (Test-Path -LiteralPath $sidecar -PathType Leaf) { $result.sidecar = [IO.File]::ReadAllText($sidecar) }
    $result.archive_size = (Get-Item -LiteralPath $result.archive).Length
    $copy = $result.archive + '.manifest.json'
    if (Test-Path -LiteralPath $copy -PathType Leaf) { $result.manifest_copy = [IO.File]::ReadAllText($copy) }
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $entries = New-Object Collections.ArrayList
    $zip = [IO.Compression.ZipFile]::OpenRead($result.archive)
    try {
        foreach ($entry in $zip.Entries) {
            if ($entry.FullName.EndsWith('/')) { continue }
            $stream = $entry.Open()
            try { $null = $entries.Add(@{ name = $entry.FullName; size = $entry.Length; sha256 = Get-StreamHash $stream }) } finally { $stream.Dispose() }
            if ($entry.FullName -eq 'BackupManifest.json' -or $entry.FullName -eq 'BackupManifest.json.sig') {
                $reader = New-Object IO.StreamReader($entry.Open())
                try { $text = $reader.ReadToEnd() } finally { $reader.Dispose() }
                if ($entry.FullName -eq 'BackupManifest.json') { $result.manifest = $text } else { $result.signature = $text }
            }
        }
    } finally { $zip.Dispose() }
    $result.entries = $entries
} catch {
    $Ansible.Result = $result + @{ failure_class = (Get-FailureClass $_ 'validation'); message = "Cannot read archive $($result.archive): $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = $result
