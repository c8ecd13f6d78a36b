# alteryx.server: alteryx_finalize
# Contract: ends a run on the host, success or failure: appends LogText to LogPath, releases the lock when it
#   belongs to RunId, then removes the staging folder and the Unpublish files (a failed run's archives). The lock
#   goes first: a job still running for this run sees it gone and publishes nothing. Then, while the dump window's
#   marker WindowPath names RunId and its job is alive (Test-JobAlive: the process exists, until expires_utc),
#   waits for that job to end, so the service is back and nothing writes into the staging folder when it is
#   removed; a marker left by a killed job is removed. Another run's marker is never waited for nor removed.
#   Another run's files are never touched: its staging folder and '.partial' files are cleaned by preflight.
#   A log that does not exist yet (no earlier step of the run could write it) is created with RestrictAcls as preflight
#   does (_private_acl.ps1: its folder restricted when created here, the log restricted before its first line).
#   Parameters: RunId, LockPath, StagingPath, LogPath, LogText, Unpublish (string[]), WindowPath, RestrictAcls.
#   Result: log_path, removed (string[]), lock_released (bool), window_waited_seconds.
#   Fails: 'storage' when the log cannot be written (or restricted) or a file cannot be removed.
[CmdletBinding()]
param([string]$RunId, [string]$LockPath, [string]$StagingPath = '', [string]$LogPath = '',
    [string]$LogText = '', [string[]]$Unpublish = @(), [string]$WindowPath = '', [bool]$RestrictAcls = $true)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _run_lock.ps1
#include _private_acl.ps1

$removed = New-Object Collections.ArrayList
$released = $false
$windowWaited = 0
try {
    if ($LogPath) {
        $Ansible.Changed = $true
        if ($RestrictAcls) {
            try { New-RestrictedLog $LogPath } catch { throw (Format-RestrictedAclError $LogPath $_) }
        }
        $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($LogPath))
        [IO.File]::AppendAllText($LogPath, $LogText, (New-Object Text.UTF8Encoding($false)))
    }
    if ($LockPath -and (Test-Path -LiteralPath $LockPath) -and (Test-RunOwnsLock $LockPath $RunId)) {
        $Ansible.Changed = $true
        Remove-Item -LiteralPath $LockPath -Force
        $released = $true
    }
    # Only this run's marker: another run's dump job is none of this cleanup's business.
    while ($WindowPath -and $RunId -and (Get-JsonField (Read-JsonFile $WindowPath) 'run_id') -eq $RunId) {
        if (-not (Test-JobAlive $WindowPath)) { Remove-Item -LiteralPath $WindowPath -Force -ErrorAction SilentlyContinue; break }
        Start-Sleep -Seconds 1; $windowWaited++
    }
    foreach ($path in @($Unpublish) + @($StagingPath)) {
        if ($path -and (Test-Path -LiteralPath $path)) {
            $Ansible.Changed = $true
            Remove-Item -LiteralPath $path -Recurse -Force
            $null = $removed.Add($path)
        }
    }
} catch {
    $Ansible.Result = @{ failure_class = 'storage'; message = "Cleanup failed: $($_.Exception.Message)"; removed = $removed }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ log_path = $LogPath; removed = $removed; lock_released = $released; window_waited_seconds = $windowWaited }
