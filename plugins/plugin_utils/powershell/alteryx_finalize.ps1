# alteryx.server: alteryx_finalize
# Contract: ends a run on the host, success or failure: appends LogText to LogPath, releases the lock when it
#   belongs to RunId, then removes the staging folder and the Unpublish files (a failed run's archives). The lock
#   goes first: an archive job still running for this run sees it gone and publishes nothing.
#   Another run's files are never touched: its staging folder and '.partial' files are cleaned by preflight.
#   Parameters: RunId, LockPath, StagingPath, LogPath, LogText, Unpublish (string[]).
#   Result: log_path, removed (string[]), lock_released (bool).
#   Fails: 'storage' when the log cannot be written or a file cannot be removed.
[CmdletBinding()]
param([string]$RunId, [string]$LockPath, [string]$StagingPath = '', [string]$LogPath = '',
    [string]$LogText = '', [string[]]$Unpublish = @())
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$removed = New-Object Collections.ArrayList
$released = $false
try {
    if ($LogPath) {
        $Ansible.Changed = $true
        $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($LogPath))
        [IO.File]::AppendAllText($LogPath, $LogText, (New-Object Text.UTF8Encoding($false)))
    }
    if ($LockPath -and (Test-Path -LiteralPath $LockPath)) {
        if ((Get-Content -LiteralPath $LockPath -Raw | ConvertFrom-Json).run_id -eq $RunId) {
            $Ansible.Changed = $true
            Remove-Item -LiteralPath $LockPath -Force
            $released = $true
        }
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
$Ansible.Result = @{ log_path = $LogPath; removed = $removed; lock_released = $released }
