# alteryx.server: alteryx_stage_files
# Contract: copies the node's critical files into the staging folder (structure preserved, hidden and system
#   files included) and hashes them; optionally exports the controller token and embedded MongoDB passwords
#   straight into files under Secrets\ - their values never reach the result, output or any log.
#   Parameters: StagingPath, Items [{source, dest (relative path in staging), required (bool)}],
#     ExportSecrets (bool), ExePath.
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Result: files [{archive_path, source_path ('' for an exported secret), size, sha256, category,
#     last_modified (the source's last write time, UTC 'yyyy-MM-ddTHH:mm:ssZ'; for a secret, when it was written)}],
#     directories [{archive_path, source_path, file_count, total_bytes}] (one per folder item), missing [{source,
#     required}], server_secret_exported (bool), mongo_passwords_exported (bool).
#   Fails: 'validation' (a required item vanished since preflight), 'storage' (copy failed).
[CmdletBinding()]
param([string]$StagingPath, [object[]]$Items = @(), [bool]$ExportSecrets = $false, [string]$ExePath = '', [string]$RunLogPath = '', [string]$RunLogText = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1
#include _invoke_native.ps1
#include _run_log.ps1
Add-RunLog $RunLogPath $RunLogText

$files = New-Object Collections.ArrayList
$directories = New-Object Collections.ArrayList
$missing = New-Object Collections.ArrayList
$exported = @{ server_secret_exported = $false; mongo_passwords_exported = $false }
$invariant = [Globalization.CultureInfo]::InvariantCulture
function Add-Staged([string]$Source, [string]$Dest, [string]$Category) {
    $target = Join-Path $StagingPath $Dest
    $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($target))
    if ($Source) { Copy-Item -LiteralPath $Source -Destination $target -Force; $written = (Get-Item -LiteralPath $Source -Force).LastWriteTimeUtc }
    else { $written = (Get-Item -LiteralPath $target -Force).LastWriteTimeUtc }
    $item = Get-Item -LiteralPath $target -Force
    $null = $files.Add(@{ archive_path = $Dest.Replace('\', '/'); source_path = $Source; size = $item.Length; category = $Category
        sha256 = (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash.ToLower()
        last_modified = $written.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $invariant) })
}
function Export-Secret([string]$Verb, [string]$FileName, [string]$MustContain) {
    $run = Invoke-Native $ExePath $Verb
    if ($run.stdout -notmatch $MustContain) { return $false }
    [IO.File]::WriteAllText((Join-Path (Join-Path $StagingPath 'Secrets') $FileName), $run.stdout.Trim())
    Add-Staged '' "Secrets\$FileName" 'secret'
    $true
}
try {
    $Ansible.Changed = $true
    foreach ($entry in @($Items)) {
        if (-not (Test-Path -LiteralPath $entry.source)) {
            if ($entry.required) { throw (New-StepError 'validation' "Required item $($entry.source) is missing.") }
            $null = $missing.Add(@{ source = $entry.source; required = $false }); continue
        }
        $item = Get-Item -LiteralPath $entry.source -Force
        if ($item.PSIsContainer) {
            $root = $item.FullName.TrimEnd('\') + '\'
            $count = 0; $bytes = 0
            foreach ($f in Get-ChildItem -LiteralPath $item.FullName -Recurse -File -Force) {
                Add-Staged $f.FullName (Join-Path $entry.dest $f.FullName.Substring($root.Length)) 'config'
                $count++; $bytes += $f.Length
            }
            $null = $directories.Add(@{ archive_path = $entry.dest.Replace('\', '/'); source_path = $entry.source
                file_count = $count; total_bytes = $bytes })
        } else { Add-Staged $entry.source $entry.dest 'config' }
    }
    if ($ExportSecrets) {
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $StagingPath 'Secrets')
        $exported.server_secret_exported = Export-Secret 'getserversecret' 'ControllerToken.txt' '\S'
        $exported.mongo_passwords_exported = Export-Secret 'getemongopassword' 'MongoPasswords.txt' 'Admin'
    }
} catch {
    $Ansible.Result = @{ failure_class = (Get-FailureClass $_ 'storage'); message = "Cannot stage critical files: $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ files = $files; directories = $directories; missing = $missing
    server_secret_exported = $exported.server_secret_exported
    mongo_passwords_exported = $exported.mongo_passwords_exported }
