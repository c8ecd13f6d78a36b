# alteryx.server: _run_lock
# Contract: shared functions, inlined by the controller where a script has '#include _run_lock.ps1'.
#   The lock file is created once (CreateNew) with its owner as JSON and never rewritten: its LastWriteTimeUtc is
#   the heartbeat, so a reader never sees it half rewritten.
#   Read-JsonFile -Path: the file's JSON object, or $null when it is missing, empty, being written or not JSON.
#   Get-JsonField -Object -Name: the field as a string, '' when the object or the field is absent.
#   Test-RunOwnsLock -LockPath -RunId: $true when no lock is in use (LockPath empty) or the lock file names RunId.
#     A failed run's cleanup releases the lock before it removes anything, so a job of that run still running on
#     the host asks this before each effect that must not outlive the run (publishing, stopping the service).
#   Update-Heartbeat -LockPath -RunId: touches the lock when it names RunId (best effort, never throws).
#   Test-JobAlive -WindowPath: $true while the dump window marker names a live job process (pid and start time
#     match) that has not passed its expires_utc; a marker without pid counts until it expires.
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Read-JsonFile([string]$Path) {
    try { $text = [IO.File]::ReadAllText($Path) } catch { return $null }
    if (-not $text.Trim()) { return $null }
    try { $text | ConvertFrom-Json } catch { $null }
}

function Get-JsonField($Object, [string]$Name) {
    if ($null -eq $Object) { return '' }
    $field = $Object.PSObject.Properties[$Name]
    if ($field -and $null -ne $field.Value) { [string]$field.Value } else { '' }
}

function Test-RunOwnsLock([string]$LockPath, [string]$RunId) {
    if (-not $LockPath) { return $true }
    (Get-JsonField (Read-JsonFile $LockPath) 'run_id') -eq $RunId
}

function Update-Heartbeat([string]$LockPath, [string]$RunId) {
    # Best effort: a heartbeat that cannot be written must not turn a dump into a failure.
    try {
        if ($LockPath -and (Test-RunOwnsLock $LockPath $RunId)) { [IO.File]::SetLastWriteTimeUtc($LockPath, (Get-Date).ToUniversalTime()) }
    } catch { $null = $_ }
}

function Test-JobAlive([string]$WindowPath) {
    $window = Read-JsonFile $WindowPath
    $expires = Get-JsonField $window 'expires_utc'
    if (-not $expires -or (Get-Date).ToUniversalTime() -ge [datetime]::Parse($expires).ToUniversalTime()) { return $false }
    $jobPid = Get-JsonField $window 'pid'
    if (-not $jobPid) { return $true }
    $proc = Get-Process -Id ([int]$jobPid) -ErrorAction SilentlyContinue
    if (-not $proc) { return $false }
    $started = [datetime]::Parse((Get-JsonField $window 'process_started_utc')).ToUniversalTime()
    [Math]::Abs(($proc.StartTime.ToUniversalTime() - $started).TotalSeconds) -lt 2
}
