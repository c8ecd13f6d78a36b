# alteryx.server: alteryx_progress
# Contract: read-only (safe in check mode) - how many bytes a running host job has written so far, for the
#   controller's progress line while it polls the job (one call every alteryx_backup_progress_seconds, never one
#   per poll). Each of Paths counts the total length of every file under it (a folder, hidden files included) or its
#   own length (a file); a path that does not exist (yet, or any more) counts 0, and so does a file that vanishes
#   while it is counted (the job renames its .partial files).
#   Parameters: Paths (string[]).
#   Result: bytes (total length), files (how many files were counted), present (string[]: the paths that exist).
#   Fails: never on its own; a host error fails the call and the controller prints the line without bytes.
[CmdletBinding(SupportsShouldProcess)]
param([string[]]$Paths = @())
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
[long]$bytes = 0
$files = 0
$present = New-Object Collections.ArrayList
foreach ($path in $Paths) {
    $item = Get-Item -LiteralPath $path -Force -ErrorAction SilentlyContinue
    if ($null -eq $item) { continue }
    $null = $present.Add($path)
    if ($item.PSIsContainer) {
        # A file the job removes during the walk is skipped, not an error: the count is a snapshot.
        foreach ($file in @(Get-ChildItem -LiteralPath $path -Recurse -File -Force -ErrorAction SilentlyContinue)) {
            $bytes += $file.Length
            $files += 1
        }
    } else {
        $bytes += $item.Length
        $files += 1
    }
}
$Ansible.Result = @{ bytes = $bytes; files = $files; present = @($present) }
