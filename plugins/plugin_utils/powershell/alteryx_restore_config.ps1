# alteryx.server: alteryx_restore_config
# Contract: puts files of an archive back where they were backed up from. First a safety copy of every target
#   that exists now ('<path>.pre-restore-<RunId>', never overwriting one), then each entry written over its target
#   (folders created) and hashed after writing. The controller checked the archive before and judges the hashes.
#   A Hidden or ReadOnly target (Keys\recovery.key is Hidden) refuses to be overwritten, so its attributes are
#   cleared for the write and set back after it; File.Copy gives the safety copy the same attributes.
#   Parameters: Archive (full path of the zip), RunId, Files [{entry (zip entry name), path (target file)}].
#   Result: files [{entry, path, size, sha256 (of the file as written), safety_copy ('' when the target was
#     absent)}].
#   Fails: 'validation' when an entry is not in the archive (nothing written yet), 'storage' when a safety copy or
#     a write fails (the files written so far and every safety copy stay; the message names where it stopped).
[CmdletBinding()]
param([string]$Archive, [string]$RunId, [object[]]$Files = @())
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1

function Get-FileSha256([string]$Path) {
    # Read through .NET: Get-FileHash resolves its path through the provider, which may not see a hidden file.
    $stream = [IO.File]::OpenRead($Path)
    $sha = [Security.Cryptography.SHA256]::Create()
    try { ([BitConverter]::ToString($sha.ComputeHash($stream)) -replace '-', '').ToLower() } finally { $sha.Dispose(); $stream.Dispose() }
}

$written = New-Object Collections.ArrayList
$safety = @{}
try {
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::OpenRead($Archive)
    try {
        foreach ($file in @($Files)) {
            if ($null -eq $zip.GetEntry($file.entry)) { throw (New-StepError 'validation' "$($file.entry) is not in $Archive.") }
        }
        foreach ($file in @($Files)) {
            $safety[$file.path] = ''
            if (Test-Path -LiteralPath $file.path -PathType Leaf) {
                $Ansible.Changed = $true
                [IO.File]::Copy($file.path, "$($file.path).pre-restore-$RunId", $false)
                $safety[$file.path] = "$($file.path).pre-restore-$RunId"
            }
        }
        foreach ($file in @($Files)) {
            $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($file.path))
            $Ansible.Changed = $true
            $attributes = $null
            if ($safety[$file.path]) {
                $attributes = [IO.File]::GetAttributes($file.path)
                [IO.File]::SetAttributes($file.path, [IO.FileAttributes]::Normal)
            }
            [IO.Compression.ZipFileExtensions]::ExtractToFile($zip.GetEntry($file.entry), $file.path, $true)
            if ($null -ne $attributes) { [IO.File]::SetAttributes($file.path, $attributes) }
            $null = $written.Add(@{ entry = $file.entry; path = $file.path; size = ([IO.FileInfo]$file.path).Length
                sha256 = Get-FileSha256 $file.path; safety_copy = $safety[$file.path] })
        }
    } finally { $zip.Dispose() }
} catch {
    $Ansible.Result = @{ files = $written; failure_class = (Get-FailureClass $_ 'storage'); message = "Restore of the files stopped after $($written.Count) file(s): $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ files = $written }
