# alteryx.server: alteryx_preflight
# Contract: checks that a backup can run, then takes the host-side lock and creates the staging folder.
#   Parameters: RunId, LockPath, StagingPath, LocalDir (a local drive path), TempDir (the staging folder's parent,
#     '' = LocalDir; its drive needs the free space), Destinations (string[] of folders),
#     RequiredPaths (string[] that must exist), MongoDataPath ('' = no dump), FreeSpaceFactor (double),
#     ControllerHost, ControllerPid, ControllerStarted (who runs us, written into the lock), WindowPath (the dump
#     window marker), TakeOver (run id of a holder the controller judged dead or stale; '' = none),
#     TakeOverAfterSeconds (the holder's heartbeat must still be at least this old; 0 = its controller is gone).
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   RestrictAcls (REQ-SEC-7/8, _private_acl.ps1): the host log is created restricted (its folder too when created
#     here) before its first line is written - when that fails nothing is written to it and the step fails; LocalDir
#     and TempDir are created restricted when they do not exist (an existing folder keeps its ACL: it may be an
#     administrator's tree, and every file a run publishes there gets its own restricted ACL); the staging folder
#     always gets the restricted ACL. The lock and the dump window marker hold no secret and keep the folder's ACL.
#   The lock is created with CreateNew (atomic: of runs started together exactly one gets it) holding the owner as
#     JSON; its file time is the heartbeat. A held lock is reported, never judged here. A take-over moves the lock
#     aside (atomic), re-checks it is still that holder, still old enough and that no dump job is alive, then
#     removes it and the holder's staging folder. With the lock taken, leftovers of dead runs are removed: every
#     other 'ServerBackup_*.staging' folder and 'ServerBackup_*.partial' file in LocalDir, TempDir and the destinations.
#   Check mode (-WhatIf): runs every check and reports the holder, takes no lock and creates nothing.
#   Result: is_admin, mongo_data_bytes, required_bytes, free_bytes, destinations [{path, writable, error, hresult}],
#     lock_taken, holder_run_id, holder_controller_host, holder_controller_pid, holder_controller_started,
#     holder_started_utc, holder_age_seconds (-1 = no lock), job_alive, job_run_id, job_expires_utc,
#     stale_run_id, stale_started_utc, stale_controller ('' unless a holder was taken over), cleaned (string[]).
#   Fails: 'validation' (not admin, required path or MongoDB data folder missing, LocalDir not on a drive),
#     'storage' (space, destination not writable: the message quotes the first one's raw error; the controller
#     adds what to do from its error and hresult, the exception's HResult, 0 when writable; a restricted ACL that
#     cannot be set, e.g. on a FAT32/exFAT volume).
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$RunId, [string]$LockPath, [string]$StagingPath, [string]$LocalDir, [string]$TempDir = '', [string[]]$Destinations = @(),
    [string[]]$RequiredPaths = @(), [string]$MongoDataPath = '', [double]$FreeSpaceFactor = 2,
    [string]$ControllerHost = '', [string]$ControllerPid = '', [string]$ControllerStarted = '', [string]$WindowPath = '',
    [string]$TakeOver = '', [int]$TakeOverAfterSeconds = 900, [bool]$RestrictAcls = $true,
    [string]$RunLogPath = '', [string]$RunLogText = ''
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1
#include _run_lock.ps1
#include _run_log.ps1
#include _private_acl.ps1
# The log is restricted before its first line is in it; when it cannot be, none is written and the step fails below.
$logAclError = ''
if ($RestrictAcls -and $RunLogPath -and $RunLogText) {
    try { New-RestrictedLog $RunLogPath } catch { $logAclError = Format-RestrictedAclError $RunLogPath $_; $RunLogText = '' }
}
Add-RunLog $RunLogPath $RunLogText

$result = @{ is_admin = $false; mongo_data_bytes = 0; required_bytes = 0; free_bytes = 0; destinations = @()
    lock_taken = $false; holder_run_id = ''; holder_controller_host = ''; holder_controller_pid = ''; holder_controller_started = ''
    holder_started_utc = ''; holder_age_seconds = -1; job_alive = $false; job_run_id = ''; job_expires_utc = ''
    stale_run_id = ''; stale_started_utc = ''; stale_controller = ''; cleaned = (New-Object Collections.ArrayList) }
function New-RunFolder([string]$Path) {
    # An existing folder is left as it is (see RestrictAcls).
    if (-not $RestrictAcls) { $null = New-Item -ItemType Directory -Force -Path $Path; return }
    try { $null = New-RestrictedFolder $Path } catch { throw (New-StepError 'storage' (Format-RestrictedAclError $Path $_)) }
}
function Remove-Leftover([string]$Path) {
    if ($Path -and (Test-Path -LiteralPath $Path)) { Remove-Item -LiteralPath $Path -Recurse -Force; $null = $result.cleaned.Add($Path) }
}
try {
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    $result.is_admin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    if (-not $result.is_admin) {
        throw (New-StepError 'validation' 'The backup needs administrator rights on the host: connect as an administrator or use become.')
    }
    if ($logAclError) { throw (New-StepError 'storage' $logAclError) }
    $missing = @(@($RequiredPaths) | Where-Object { $_ -and -not (Test-Path -LiteralPath $_) })
    if ($missing.Count) { throw (New-StepError 'validation' "Required item(s) missing: $($missing -join ', '). Nothing was stopped.") }
    if ($MongoDataPath) {
        if (-not (Test-Path -LiteralPath $MongoDataPath)) {
            throw (New-StepError 'validation' "MongoDB data folder $MongoDataPath not found: check EmbeddedMongoDBRootPath in RuntimeSettings.xml. Nothing was stopped.")
        }
        $result.mongo_data_bytes = [long](Get-ChildItem -LiteralPath $MongoDataPath -Recurse -File -Force | Measure-Object -Property Length -Sum).Sum
    }
    $work = if ($TempDir) { $TempDir } else { $LocalDir }
    foreach ($folder in @($LocalDir, $work)) {
        if ([IO.Path]::GetPathRoot($folder) -notmatch '^[A-Za-z]:\\$') { throw (New-StepError 'validation' "The folder $folder must be on a local drive (like D:\Backups).") }
        if ($PSCmdlet.ShouldProcess($folder, 'Create folder')) { New-RunFolder $folder }
    }
    $result.free_bytes = (New-Object IO.DriveInfo ([IO.Path]::GetPathRoot($work))).AvailableFreeSpace
    $result.required_bytes = [long]($result.mongo_data_bytes * $FreeSpaceFactor)
    if ($result.free_bytes -lt $result.required_bytes) {
        throw (New-StepError 'storage' "Not enough free space on $work : $($result.free_bytes) bytes free, $($result.required_bytes) needed ($FreeSpaceFactor x MongoDB data).")
    }
    $result.destinations = @(foreach ($dest in @($Destinations)) {
        try {
            $null = New-Item -ItemType Directory -Force -Path $dest -WhatIf:$false
            $probe = Join-Path $dest ".alteryx_write_probe_$RunId"
            [IO.File]::WriteAllText($probe, 'probe'); Remove-Item -LiteralPath $probe -Force -WhatIf:$false
            @{ path = $dest; writable = $true; error = ''; hresult = 0 }
        } catch { @{ path = $dest; writable = $false; error = $_.Exception.Message; hresult = $_.Exception.HResult } }
    })
    $bad = @($result.destinations | Where-Object { -not $_.writable })
    if ($bad.Count) {
        throw (New-StepError 'storage' "Destination not writable: $($bad[0].path): $($bad[0].error)")
    }
    if ($TakeOver -and $PSCmdlet.ShouldProcess($LockPath, "Take over the lock of run $TakeOver")) {
        $aside = "$LockPath.$RunId"
        try { [IO.File]::Move($LockPath, $aside) } catch { $aside = '' }
        if ($aside) {
            $old = Read-JsonFile $aside
            $age = ((Get-Date).ToUniversalTime() - [IO.File]::GetLastWriteTimeUtc($aside)).TotalSeconds
            if ((Get-JsonField $old 'run_id') -ne $TakeOver -or $age -lt $TakeOverAfterSeconds -or (Test-JobAlive $WindowPath)) {
                # Not the holder that was judged, or it came back to life meanwhile: put it back untouched.
                try { [IO.File]::Move($aside, $LockPath) } catch { Remove-Item -LiteralPath $aside -Force }
            } else {
                $Ansible.Changed = $true
                $result.stale_run_id = $TakeOver; $result.stale_started_utc = Get-JsonField $old 'started_utc'
                $result.stale_controller = "$(Get-JsonField $old 'controller_host') (pid $(Get-JsonField $old 'controller_pid'))"
                Remove-Leftover (Get-JsonField $old 'staging_path')
                Remove-Item -LiteralPath $aside -Force
            }
        }
    }
    $result.job_alive = $WindowPath -and (Test-JobAlive $WindowPath)
    if ($result.job_alive) {
        $window = Read-JsonFile $WindowPath
        $result.job_run_id = Get-JsonField $window 'run_id'; $result.job_expires_utc = Get-JsonField $window 'expires_utc'
    } elseif ($PSCmdlet.ShouldProcess($LockPath, 'Take the backup lock')) {
        $owner = @{ run_id = $RunId; controller_host = $ControllerHost; controller_pid = $ControllerPid
            controller_started = $ControllerStarted; started_utc = (Get-Date).ToUniversalTime().ToString('o'); staging_path = $StagingPath }
        $stream = $null
        try { $stream = New-Object IO.FileStream($LockPath, [IO.FileMode]::CreateNew, [IO.FileAccess]::Write, [IO.FileShare]::Read) }
        catch { if (-not (Test-Path -LiteralPath $LockPath)) { throw } }
        if ($stream) {
            try {
                $bytes = [Text.Encoding]::UTF8.GetBytes(($owner | ConvertTo-Json -Compress)); $stream.Write($bytes, 0, $bytes.Length)
            } finally { $stream.Dispose() }
            $Ansible.Changed = $true
            $result.lock_taken = $true
            foreach ($folder in @(@($LocalDir, $TempDir) + @($Destinations) | Where-Object { $_ } | Select-Object -Unique)) {
                foreach ($item in @(Get-ChildItem -LiteralPath $folder -Force -Filter 'ServerBackup_*')) {
                    if (($item.Name -like '*.staging' -and $item.FullName -ne $StagingPath) -or $item.Name -like '*.partial') { Remove-Leftover $item.FullName }
                }
            }
            New-RunFolder $StagingPath
            if ($RestrictAcls) {
                # The staging folder is this run's alone, even when it existed: it gets the ACL either way.
                try { Set-RestrictedAcl $StagingPath } catch { throw (New-StepError 'storage' (Format-RestrictedAclError $StagingPath $_)) }
            }
        }
    }
    if (-not $result.lock_taken -and (Test-Path -LiteralPath $LockPath)) {
        $holder = Read-JsonFile $LockPath
        foreach ($field in 'run_id', 'controller_host', 'controller_pid', 'controller_started', 'started_utc') {
            $result["holder_$field"] = Get-JsonField $holder $field
        }
        $result.holder_age_seconds = [int]((Get-Date).ToUniversalTime() - [IO.File]::GetLastWriteTimeUtc($LockPath)).TotalSeconds
    }
} catch {
    $Ansible.Result = $result + @{ failure_class = (Get-FailureClass $_ 'general'); message = $_.Exception.Message }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = $result
