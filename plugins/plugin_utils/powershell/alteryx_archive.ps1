# alteryx.server: alteryx_archive
# Contract: zips StagingPath with .NET ZipFile in create mode (streams, Zip64, no 2 GB limit) to
#   <LocalDir>\<ArchiveName>.partial, checks every entry against BackupManifest.json (SHA256) and MinBytes,
#   then publishes: rename to <ArchiveName>, write the '<sha256>  <name>' sidecar, copy both to every
#   destination folder (as .partial, hash check, rename) with Retries tries RetryDelaySeconds apart.
#   All or nothing: on any failure every file this run published (and every .partial) is removed again.
#   Publishes only while the run owns its lock: when LockPath is set, the lock must name RunId before the first
#   rename and again after the last copy (a failed run's cleanup releases the lock before it removes archives,
#   so a job whose reply was lost never leaves an archive behind). The lock's heartbeat is refreshed after the zip,
#   its verification and each copy attempt.
#   Parameters: StagingPath, LocalDir, ArchiveName, Destinations (string[]), Retries, RetryDelaySeconds, MinBytes,
#     LockPath, RunId.
#   Result: archive_path, archive_size, archive_sha256, archive_entries, sidecar,
#     copies [{path, sha256, attempts, verified}], attempts_log (string[]), verified_entries.
#   Fails: 'validation' (manifest mismatch, archive below MinBytes), 'storage' (write, rename or copy failed),
#     'general' (the run lost its lock: it was cancelled).
[CmdletBinding()]
param([string]$StagingPath, [string]$LocalDir, [string]$ArchiveName, [string[]]$Destinations = @(),
    [int]$Retries = 3, [int]$RetryDelaySeconds = 30, [long]$MinBytes = 0, [string]$LockPath = '', [string]$RunId = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1
#include _run_lock.ps1
Add-Type -AssemblyName System.IO.Compression
Add-Type -AssemblyName System.IO.Compression.FileSystem

$published = New-Object Collections.ArrayList
$log = New-Object Collections.ArrayList
$copies = New-Object Collections.ArrayList
$local = Join-Path $LocalDir $ArchiveName
function Get-Sha256([string]$Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLower() }
function Assert-RunOwnsLock {
    if (-not (Test-RunOwnsLock $LockPath $RunId)) { throw (New-StepError 'general' "Run $RunId no longer owns $LockPath (the run was cancelled): nothing was published.") }
}
function Test-ArchiveEntry([string]$Path) {
    # Returns $null when every manifest entry is present with its SHA256, else what is wrong.
    $zip = [IO.Compression.ZipFile]::OpenRead($Path)
    try {
        $entries = @{}; foreach ($e in $zip.Entries) { $entries[$e.FullName.Replace('\', '/')] = $e }
        if (-not $entries.ContainsKey('BackupManifest.json')) { return @{ bad = 'BackupManifest.json is missing'; entries = $zip.Entries.Count; verified = 0 } }
        $reader = New-Object IO.StreamReader($entries['BackupManifest.json'].Open())
        try { $manifest = $reader.ReadToEnd() | ConvertFrom-Json } finally { $reader.Dispose() }
        $sha = [Security.Cryptography.SHA256]::Create()
        foreach ($f in @($manifest.BackedUpFiles)) {
            if (-not $entries.ContainsKey($f.ArchivePath)) { return @{ bad = "$($f.ArchivePath) is missing"; entries = $zip.Entries.Count; verified = 0 } }
            $stream = $entries[$f.ArchivePath].Open()
            try { $hash = -join ($sha.ComputeHash($stream) | ForEach-Object { $_.ToString('x2') }) } finally { $stream.Dispose() }
            if ($hash -ne $f.SHA256) { return @{ bad = "$($f.ArchivePath) does not match its manifest SHA256"; entries = $zip.Entries.Count; verified = 0 } }
        }
        @{ bad = $null; entries = $zip.Entries.Count; verified = @($manifest.BackedUpFiles).Count }
    } finally { $zip.Dispose() }
}
try {
    $Ansible.Changed = $true
    try { [IO.Compression.ZipFile]::CreateFromDirectory($StagingPath, "$local.partial", [IO.Compression.CompressionLevel]::Optimal, $false) }
    catch { throw (New-StepError 'storage' "Cannot create $local : $($_.Exception.Message)") }
    Update-Heartbeat $LockPath $RunId
    $check = Test-ArchiveEntry "$local.partial"
    if ($check.bad) { throw (New-StepError 'validation' "Archive verification failed: $($check.bad).") }
    $size = (Get-Item -LiteralPath "$local.partial" -Force).Length
    if ($size -lt $MinBytes) { throw (New-StepError 'validation' "Archive is $size bytes, below the minimum of $MinBytes for this mode: the backup is probably incomplete.") }
    $hash = Get-Sha256 "$local.partial"
    Update-Heartbeat $LockPath $RunId
    Assert-RunOwnsLock
    $null = $published.Add($local)
    Move-Item -LiteralPath "$local.partial" -Destination $local -Force
    $null = $published.Add("$local.sha256")
    [IO.File]::WriteAllText("$local.sha256", "$hash  $ArchiveName`n")
    $tries = [Math]::Max(1, $Retries)
    foreach ($dest in @($Destinations)) {
        $target = Join-Path $dest $ArchiveName
        for ($try = 1; $try -le $tries; $try++) {
            Update-Heartbeat $LockPath $RunId
            try {
                $null = New-Item -ItemType Directory -Force -Path $dest
                Copy-Item -LiteralPath $local -Destination "$target.partial" -Force
                if ((Get-Sha256 "$target.partial") -ne $hash) { throw "hash mismatch after copy" }
                $null = $published.Add($target)
                Move-Item -LiteralPath "$target.partial" -Destination $target -Force
                $null = $published.Add("$target.sha256")
                Copy-Item -LiteralPath "$local.sha256" -Destination "$target.sha256" -Force
                $null = $log.Add("copy to $dest succeeded on attempt $try")
                $null = $copies.Add(@{ path = $target; sha256 = $hash; attempts = $try; verified = $true })
                break
            } catch {
                $null = $log.Add("copy to $dest failed on attempt $try of $tries : $($_.Exception.Message)")
                Remove-Item -LiteralPath "$target.partial" -Force -ErrorAction SilentlyContinue
                if ($try -eq $tries) { throw (New-StepError 'storage' "Copy to $dest failed after $tries attempts: $($_.Exception.Message)") }
                Start-Sleep -Seconds $RetryDelaySeconds
            }
        }
    }
    Assert-RunOwnsLock
} catch {
    foreach ($p in @($published) + @("$local.partial") + @($Destinations | ForEach-Object { Join-Path $_ "$ArchiveName.partial" })) {
        Remove-Item -LiteralPath $p -Force -ErrorAction SilentlyContinue
    }
    $Ansible.Result = @{ failure_class = (Get-FailureClass $_ 'storage'); message = $_.Exception.Message; attempts_log = $log }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ archive_path = $local; archive_size = $size; archive_sha256 = $hash; archive_entries = $check.entries
    sidecar = "$local.sha256"; copies = $copies; attempts_log = $log; verified_entries = $check.verified }
