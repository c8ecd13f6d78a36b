# alteryx.server: _run_lock
# Contract: shared function, inlined by the controller where a script has '#include _run_lock.ps1'.
#   Test-RunOwnsLock -LockPath -RunId: $true when no lock is in use (LockPath empty) or the lock file names RunId.
#   A failed run's cleanup releases the lock before it removes anything, so a job of that run still running on
#   the host asks this before each effect that must not outlive the run (publishing, stopping the service).
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Test-RunOwnsLock([string]$LockPath, [string]$RunId) {
    if (-not $LockPath) { return $true }
    $owner = if (Test-Path -LiteralPath $LockPath) { [string](Get-Content -LiteralPath $LockPath -Raw | ConvertFrom-Json).run_id } else { '' }
    $owner -eq $RunId
}
