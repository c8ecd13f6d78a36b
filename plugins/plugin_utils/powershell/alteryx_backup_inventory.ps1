# alteryx.server: alteryx_backup_inventory
# Contract: lists the backup archives in each of Folders with what lies beside each, for the fleet report; the
#   controller judges. Read-only: nothing is created, changed or deleted (so it runs in check mode too).
#   Only names that match (case-sensitively) ServerBackup_<Full|DB|Config>_YYYYMMDD_HHmmss.zip are listed.
#   With Verify, hashes (SHA256) the newest archive (by name) of each mode in each folder among those with a
#   '.sha256' sidecar - the one the report is most likely to name; older ones are not hashed.
#   Parameters: Folders (string[]), Verify (bool).
#   Result: folders [{path, exists (Test-Path: false for a missing folder or an unreachable share), error ('' or why
#     it could not be listed)}], listing [{folder, name, size, last_write_utc ('yyyy-MM-ddTHH:mm:ssZ'), has_sidecar,
#     sidecar (first line, trimmed; '' when absent), has_manifest (the zip directory has BackupManifest.json),
#     has_manifest_copy ('<name>.manifest.json' beside it), sha256 (lower-case hex; '' when not hashed), hash_error
#     ('' or why hashing failed)}] (flat, one entry per archive).
#   A folder that cannot be listed is reported with its error and left out of the listing; it never fails the call.
#   Fails: 'storage' on any other error.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Folders = @(), [bool]$Verify = $false)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _zip_manifest.ps1

$archivePattern = '^ServerBackup_(Full|DB|Config)_\d{8}_\d{6}\.zip$'
$invariant = [Globalization.CultureInfo]::InvariantCulture
$folderStates = New-Object Collections.ArrayList
$listing = New-Object Collections.ArrayList
try {
    foreach ($folder in @($Folders)) {
        if (-not (Test-Path -LiteralPath $folder -PathType Container)) {
            $null = $folderStates.Add(@{ path = $folder; exists = $false; error = '' })
            continue
        }
        $found = New-Object Collections.ArrayList
        $why = ''
        try {
            foreach ($file in Get-ChildItem -LiteralPath $folder -File -Force) {
                if ($file.Name -cnotmatch $archivePattern) { continue }
                $side = Join-Path $folder "$($file.Name).sha256"
                $hasSidecar = Test-Path -LiteralPath $side -PathType Leaf
                $sidecar = ''
                if ($hasSidecar) { $sidecar = [IO.File]::ReadAllText($side).Split([char[]]"`r`n")[0].Trim() }
                $hasCopy = Test-Path -LiteralPath (Join-Path $folder "$($file.Name).manifest.json") -PathType Leaf
                $null = $found.Add(@{ folder = $folder; name = $file.Name; size = $file.Length
                    last_write_utc = $file.LastWriteTimeUtc.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $invariant)
                    has_sidecar = $hasSidecar; sidecar = $sidecar; has_manifest = (Test-ZipManifest $file.FullName)
                    has_manifest_copy = $hasCopy; sha256 = ''; hash_error = '' })
            }
        } catch { $why = $_.Exception.Message }
        if ($why) {
            $null = $folderStates.Add(@{ path = $folder; exists = $true; error = $why })
            continue
        }
        if ($Verify) {
            # Names of one mode sort by their timestamp; ordinal, as the names are ASCII.
            $newest = @{}
            foreach ($item in $found) {
                if (-not $item.has_sidecar) { continue }
                $tag = $item.name.Split('_')[1]
                if (-not $newest.ContainsKey($tag) -or [string]::CompareOrdinal($item.name, $newest[$tag].name) -gt 0) {
                    $newest[$tag] = $item
                }
            }
            foreach ($item in @($newest.Values)) {
                try { $item.sha256 = (Get-FileHash -LiteralPath (Join-Path $folder $item.name) -Algorithm SHA256).Hash.ToLower() }
                catch { $item.hash_error = $_.Exception.Message }
            }
        }
        $null = $folderStates.Add(@{ path = $folder; exists = $true; error = '' })
        foreach ($item in $found) { $null = $listing.Add($item) }
    }
} catch {
    $Ansible.Result = @{ failure_class = 'storage'; message = "Backup inventory failed: $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ folders = $folderStates; listing = $listing }
