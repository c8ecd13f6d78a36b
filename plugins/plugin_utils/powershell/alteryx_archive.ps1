# alteryx.server: alteryx_archive
# Contract: zips StagingPath with .NET ZipFile in create mode (streams, Zip64, no 2 GB limit) to
#   <LocalDir>\<ArchiveName>.partial, checks every entry against BackupManifest.json (SHA256) and MinBytes,
#   then publishes: rename to <ArchiveName>, write the '<sha256>  <name>' sidecar, copy both to every
#   destination folder (as .partial, hash check, rename) with Retries tries RetryDelaySeconds apart.
#   All or nothing: on any failure every file this run published is removed again.
#   Parameters: StagingPath, LocalDir, ArchiveName, Destinations (string[]), Retries, RetryDelaySeconds, MinBytes.
#   Result: archive {path, size, sha256, entries}, sidecar, copies [{path, sha256, attempts, verified}],
#     attempts_log (string[]), verified_entries.
#   Fails: 'validation' (manifest mismatch, archive below MinBytes), 'storage' (write or copy failed).
param([string]$StagingPath, [string]$LocalDir, [string]$ArchiveName, [string[]]$Destinations = @(),
    [int]$Retries = 3, [int]$RetryDelaySeconds = 30, [long]$MinBytes = 0)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName System.IO.Compression
Add-Type -AssemblyName System.IO.Compression.FileSystem
$published = New-Object Collections.ArrayList
$log = New-Object Collections.ArrayList
function Get-Sha256([string]$Path) { (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLower() }
function Stop-Archive([string]$Class, [string]$Message) {
    foreach ($p in @($published) + @("$local.partial")) { if (Test-Path -LiteralPath $p) { Remove-Item -LiteralPath $p -Force } }
    $Ansible.Result = @{ failure_class = $Class; message = $Message; attempts_log = @($log) }
    $Ansible.Failed = $true
    exit
}
$local = Join-Path $LocalDir $ArchiveName
try {
    [IO.Compression.ZipFile]::CreateFromDirectory($StagingPath, "$local.partial", [IO.Compression.CompressionLevel]::Optimal, $false)
} catch { Stop-Archive 'storage' "Cannot create $local : $($_.Exception.Message)" }
$zip = [IO.Compression.ZipFile]::OpenRead("$local.partial")
try {
    $entries = @{}; foreach ($e in $zip.Entries) { $entries[$e.FullName.Replace('\', '/')] = $e }
    if (-not $entries.ContainsKey('BackupManifest.json')) { $bad = 'BackupManifest.json is missing' }
    else {
        $reader = New-Object IO.StreamReader($entries['BackupManifest.json'].Open())
        $manifest = $reader.ReadToEnd() | ConvertFrom-Json; $reader.Dispose()
        $sha = [Security.Cryptography.SHA256]::Create(); $bad = $null
        foreach ($f in $manifest.BackedUpFiles) {
            if (-not $entries.ContainsKey($f.ArchivePath)) { $bad = "$($f.ArchivePath) is missing"; break }
            $stream = $entries[$f.ArchivePath].Open()
            $hash = -join ($sha.ComputeHash($stream) | ForEach-Object { $_.ToString('x2') }); $stream.Dispose()
            if ($hash -ne $f.SHA256) { $bad = "$($f.ArchivePath) does not match its manifest SHA256"; break }
        }
    }
    $entryCount = $zip.Entries.Count
} finally { $zip.Dispose() }
if ($bad) { Stop-Archive 'validation' "Archive verification failed: $bad." }
$size = (Get-Item -LiteralPath "$local.partial").Length
if ($size -lt $MinBytes) { Stop-Archive 'validation' "Archive is $size bytes, below the minimum of $MinBytes for this mode: the backup is probably incomplete." }
$hash = Get-Sha256 "$local.partial"
Move-Item -LiteralPath "$local.partial" -Destination $local; $null = $published.Add($local)
[IO.File]::WriteAllText("$local.sha256", "$hash  $ArchiveName`n"); $null = $published.Add("$local.sha256")
$Retries = [Math]::Max(1, $Retries)
$copies = foreach ($dest in $Destinations) {
    $target = Join-Path $dest $ArchiveName
    for ($try = 1; $try -le $Retries; $try++) {
        try {
            $null = New-Item -ItemType Directory -Force -Path $dest
            Copy-Item -LiteralPath $local -Destination "$target.partial" -Force
            if ((Get-Sha256 "$target.partial") -ne $hash) { throw "hash mismatch after copy" }
            Move-Item -LiteralPath "$target.partial" -Destination $target -Force; $null = $published.Add($target)
            Copy-Item -LiteralPath "$local.sha256" -Destination "$target.sha256" -Force; $null = $published.Add("$target.sha256")
            $null = $log.Add("copy to $dest succeeded on attempt $try")
            @{ path = $target; sha256 = $hash; attempts = $try; verified = $true }
            break
        } catch {
            $null = $log.Add("copy to $dest failed on attempt $try of $Retries : $($_.Exception.Message)")
            if (Test-Path -LiteralPath "$target.partial") { Remove-Item -LiteralPath "$target.partial" -Force }
            if ($try -eq $Retries) { Stop-Archive 'storage' "Copy to $dest failed after $Retries attempts: $($_.Exception.Message)" }
            Start-Sleep -Seconds $RetryDelaySeconds
        }
    }
}
$Ansible.Changed = $true
$Ansible.Result = @{ archive = @{ path = $local; size = $size; sha256 = $hash; entries = $entryCount }; sidecar = "$local.sha256"
    copies = @($copies); attempts_log = @($log); verified_entries = @($manifest.BackedUpFiles).Count }
