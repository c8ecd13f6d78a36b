# alteryx.server: alteryx_archive
# Contract: zips every file of StagingPath (hidden ones too) with .NET ZipArchive in create mode (streams, Zip64, no
#   2 GB limit; ZipFile.CreateFromDirectory's own loop, minus entries for empty folders) into
#   <LocalDir>\<ArchiveName>.partial, created empty first so that with RestrictAcls its ACL (_private_acl.ps1:
#   Administrators, SYSTEM and this account only) is set before a byte of the backup is in it, and checks it against BackupManifest.json - every BackedUpFiles file entry and
#   every Extensions.MongoDB.DumpFiles entry present (by RelativePathInArchive) with its SHA256, every directory
#   entry with its FileCount - and MinBytes, then publishes: rename to <ArchiveName>, write the '<sha256>  <name>'
#   sidecar and, when ManifestCopy is set, <ArchiveName>.manifest.json: ManifestCopy (the controller's JSON text)
#   with its placeholders replaced by what was measured here (SHA256, size, compression ratio, completion time and
#   duration: StartedUtc + ElapsedBeforeSeconds + this script's run time up to the verification). Then copies the
#   three files to every destination folder (the archive as .partial, hash check, rename) with 1 + Retries tries
#   per folder, RetryDelaySeconds apart.
#   A destination that still fails after its last try loses what this run put there and is reported in copies
#   (verified false, error); the local archive and the other destinations stay - the step succeeds.
#   Everything else is all or nothing: on any other failure every file this run published (and every .partial) is
#   removed again.
#   Publishes only while the run owns its lock: when LockPath is set, the lock must name RunId before the first
#   rename and again after the last copy (a failed run's cleanup releases the lock before it removes archives,
#   so a job whose reply was lost never leaves an archive behind). The lock's heartbeat is refreshed after the zip,
#   its verification and each copy attempt.
#   Parameters: StagingPath, LocalDir, ArchiveName, Destinations (string[]), Retries (after the first try),
#     RetryDelaySeconds, MinBytes, LockPath, RunId, ManifestCopy ('' = no copy), StartedUtc
#     ('yyyy-MM-ddTHH:mm:ssZ'), ElapsedBeforeSeconds, RestrictAcls (the local archive - its ACL moves with the
#     rename -, sidecar and manifest copy get the restricted ACL before they are written; the copies on network
#     destinations are new files there and inherit the share's permissions, REQ-SEC-6).
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Result: archive_path, archive_size, archive_sha256, archive_entries, uncompressed_bytes, sidecar,
#     manifest_copy ('' when none), manifest_copy_size and manifest_copy_sha256 (of the copy as written to disk;
#     0 and '' when none), copies [{path, sha256 ('' when failed), attempts, verified, error}],
#     published (string[]: every file this run published and left in place), attempts_log (string[]),
#     verified_entries.
#   Fails: 'validation' (manifest mismatch, archive below MinBytes), 'storage' (local write or rename failed, or a
#     restricted ACL could not be set),
#     'general' (the run lost its lock: it was cancelled).
[CmdletBinding()]
param([string]$StagingPath, [string]$LocalDir, [string]$ArchiveName, [string[]]$Destinations = @(),
    [int]$Retries = 3, [int]$RetryDelaySeconds = 30, [long]$MinBytes = 0, [string]$LockPath = '', [string]$RunId = '',
    [string]$ManifestCopy = '', [string]$StartedUtc = '', [double]$ElapsedBeforeSeconds = 0, [bool]$RestrictAcls = $true,
    [string]$RunLogPath = '', [string]$RunLogText = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1
#include _run_lock.ps1
#include _run_log.ps1
#include _private_acl.ps1
Add-RunLog $RunLogPath $RunLogText
Add-Type -AssemblyName System.IO.Compression
Add-Type -AssemblyName System.IO.Compression.FileSystem

$clock = [Diagnostics.Stopwatch]::StartNew()
$invariant = [Globalization.CultureInfo]::InvariantCulture
$utcFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'"
$published = New-Object Collections.ArrayList
$log = New-Object Collections.ArrayList
$copies = New-Object Collections.ArrayList
$local = Join-Path $LocalDir $ArchiveName
$copyName = ''
$copySize = 0
$copyHash = ''
function New-PublishedFile([string]$Path) {
    # Empty, and with RestrictAcls restricted before a byte is written into it (writing into an existing file keeps its ACL).
    if (-not $RestrictAcls) { [IO.File]::WriteAllBytes($Path, [byte[]]@()); return }
    try { New-RestrictedFile $Path } catch { throw (New-StepError 'storage' (Format-RestrictedAclError $Path $_)) }
}
function Write-Archive([string]$Path) {
    # Into the file New-PublishedFile made: ZipFile.CreateFromDirectory cannot write into an existing file.
    $base = (Get-Item -LiteralPath $StagingPath -Force).FullName.TrimEnd('\') + '\'
    $stream = New-Object IO.FileStream($Path, [IO.FileMode]::Open, [IO.FileAccess]::ReadWrite, [IO.FileShare]::None)
    try {
        $zip = New-Object IO.Compression.ZipArchive($stream, [IO.Compression.ZipArchiveMode]::Create)
        try {
            foreach ($item in @(Get-ChildItem -LiteralPath $StagingPath -Recurse -File -Force)) {
                $name = $item.FullName.Substring($base.Length).Replace('\', '/')
                $null = [IO.Compression.ZipFileExtensions]::CreateEntryFromFile($zip, $item.FullName, $name, [IO.Compression.CompressionLevel]::Optimal)
            }
        } finally { $zip.Dispose() }
    } finally { $stream.Dispose() }
}
function Get-Sha256([string]$Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLower() }
function Add-Published([string]$Path) { if (-not $published.Contains($Path)) { $null = $published.Add($Path) } }
function Assert-RunOwnsLock {
    if (-not (Test-RunOwnsLock $LockPath $RunId)) { throw (New-StepError 'general' "Run $RunId no longer owns $LockPath (the run was cancelled): nothing was published.") }
}
function Test-ArchiveEntry([string]$Path) {
    # Returns bad = $null when every manifest entry is present with its SHA256 (folders with their file count), else
    # what is wrong; also the entry count and the uncompressed size of all entries.
    $zip = [IO.Compression.ZipFile]::OpenRead($Path)
    try {
        $entries = @{}; $uncompressed = 0
        foreach ($e in $zip.Entries) { $entries[$e.FullName.Replace('\', '/')] = $e; $uncompressed += $e.Length }
        $result = @{ bad = $null; entries = $zip.Entries.Count; verified = 0; uncompressed = $uncompressed }
        if (-not $entries.ContainsKey('BackupManifest.json')) { $result.bad = 'BackupManifest.json is missing'; return $result }
        $reader = New-Object IO.StreamReader($entries['BackupManifest.json'].Open())
        try { $manifest = $reader.ReadToEnd() | ConvertFrom-Json } finally { $reader.Dispose() }
        $listed = @($manifest.BackedUpFiles) + @($manifest.Extensions.MongoDB.DumpFiles)
        $sha = [Security.Cryptography.SHA256]::Create()
        foreach ($f in $listed) {
            $name = $f.RelativePathInArchive
            if ($null -eq $f.SHA256) {
                $inside = @($entries.Keys | Where-Object { $_.StartsWith($name) -and -not $_.EndsWith('/') }).Count
                if ($inside -ne $f.FileCount) { $result.bad = "$name holds $inside file(s), its manifest entry $($f.FileCount)"; return $result }
                continue
            }
            if (-not $entries.ContainsKey($name)) { $result.bad = "$name is missing"; return $result }
            $stream = $entries[$name].Open()
            try { $hash = -join ($sha.ComputeHash($stream) | ForEach-Object { $_.ToString('x2') }) } finally { $stream.Dispose() }
            if ($hash -ne $f.SHA256) { $result.bad = "$name does not match its manifest SHA256"; return $result }
        }
        $result.verified = $listed.Count
        $result
    } finally { $zip.Dispose() }
}
function Get-ManifestCopy([long]$Size, [string]$Hash, [long]$Uncompressed) {
    # ManifestCopy with its placeholders replaced; the completion time is StartedUtc plus the elapsed time.
    $elapsed = [Math]::Round($ElapsedBeforeSeconds + $clock.Elapsed.TotalSeconds, 3)
    $started = [DateTime]::ParseExact($StartedUtc, $utcFormat, $invariant, [Globalization.DateTimeStyles]'AssumeUniversal, AdjustToUniversal')
    $ratio = 0
    if ($Uncompressed -gt 0) { $ratio = [Math]::Round([double]$Size / $Uncompressed, 2) }
    $values = @{
        '"@@BACKUP_COMPLETED_UTC@@"' = '"' + $started.AddSeconds($elapsed).ToString($utcFormat, $invariant) + '"'
        '"@@DURATION_SECONDS@@"' = $elapsed.ToString($invariant)
        '"@@ARCHIVE_SIZE_MB@@"' = [Math]::Round([double]$Size / 1048576, 2).ToString($invariant)
        '"@@COMPRESSION_RATIO@@"' = ([double]$ratio).ToString($invariant)
        '"@@ARCHIVE_SHA256@@"' = '"' + $Hash + '"'
        '"@@ARCHIVE_SIZE_BYTES@@"' = $Size.ToString($invariant)
    }
    $text = $ManifestCopy
    foreach ($token in $values.Keys) { $text = $text.Replace($token, $values[$token]) }
    $text
}
try {
    $Ansible.Changed = $true
    New-PublishedFile "$local.partial"
    try { Write-Archive "$local.partial" }
    catch { throw (New-StepError 'storage' "Cannot create $local : $($_.Exception.Message)") }
    Update-Heartbeat $LockPath $RunId
    $check = Test-ArchiveEntry "$local.partial"
    if ($check.bad) { throw (New-StepError 'validation' "Archive verification failed: $($check.bad).") }
    $size = (Get-Item -LiteralPath "$local.partial" -Force).Length
    if ($size -lt $MinBytes) { throw (New-StepError 'validation' "Archive is $size bytes, below the minimum of $MinBytes for this mode: the backup is probably incomplete.") }
    $hash = Get-Sha256 "$local.partial"
    if ($ManifestCopy) { $copyText = Get-ManifestCopy $size $hash $check.uncompressed; $copyName = "$local.manifest.json" }
    Update-Heartbeat $LockPath $RunId
    Assert-RunOwnsLock
    Add-Published $local
    Move-Item -LiteralPath "$local.partial" -Destination $local -Force
    Add-Published "$local.sha256"
    New-PublishedFile "$local.sha256"
    [IO.File]::WriteAllText("$local.sha256", "$hash  $ArchiveName`n")
    if ($copyName) {
        Add-Published $copyName
        New-PublishedFile $copyName
        [IO.File]::WriteAllText($copyName, $copyText, (New-Object Text.UTF8Encoding($false)))
        # The cloud upload sends this file as it is: report what is on disk, not what was meant to be written.
        $copySize = (Get-Item -LiteralPath $copyName -Force).Length
        $copyHash = Get-Sha256 $copyName
    }
    $tries = 1 + [Math]::Max(0, $Retries)
    foreach ($dest in @($Destinations)) {
        $target = Join-Path $dest $ArchiveName
        $attached = @($target, "$target.sha256")
        if ($copyName) { $attached += "$target.manifest.json" }
        for ($try = 1; $try -le $tries; $try++) {
            Update-Heartbeat $LockPath $RunId
            try {
                $null = New-Item -ItemType Directory -Force -Path $dest
                Copy-Item -LiteralPath $local -Destination "$target.partial" -Force
                if ((Get-Sha256 "$target.partial") -ne $hash) { throw "hash mismatch after copy" }
                Add-Published $target
                Move-Item -LiteralPath "$target.partial" -Destination $target -Force
                Add-Published "$target.sha256"
                Copy-Item -LiteralPath "$local.sha256" -Destination "$target.sha256" -Force
                if ($copyName) {
                    Add-Published "$target.manifest.json"
                    Copy-Item -LiteralPath $copyName -Destination "$target.manifest.json" -Force
                }
                $null = $log.Add("copy to $dest succeeded on attempt $try")
                $null = $copies.Add(@{ path = $target; sha256 = $hash; attempts = $try; verified = $true; error = '' })
                break
            } catch {
                $why = $_.Exception.Message
                $null = $log.Add("copy to $dest failed on attempt $try of $tries : $why")
                Remove-Item -LiteralPath "$target.partial" -Force -ErrorAction SilentlyContinue
                if ($try -lt $tries) { Start-Sleep -Seconds $RetryDelaySeconds; continue }
                # The last try failed: this destination gets nothing of this run, the others and the local archive stay.
                foreach ($p in $attached) {
                    if ($published.Contains($p)) { Remove-Item -LiteralPath $p -Force -ErrorAction SilentlyContinue; $published.Remove($p) }
                }
                $null = $copies.Add(@{ path = $target; sha256 = ''; attempts = $tries; verified = $false; error = $why })
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
    uncompressed_bytes = $check.uncompressed; sidecar = "$local.sha256"; manifest_copy = $copyName
    manifest_copy_size = $copySize; manifest_copy_sha256 = $copyHash; copies = $copies
    published = @($published); attempts_log = $log; verified_entries = $check.verified }
