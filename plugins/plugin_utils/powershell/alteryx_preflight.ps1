# alteryx.server: alteryx_preflight
# Contract: checks that a backup can run, then takes the host-side lock and creates the staging folder.
#   Parameters: RunId, LockPath, StagingPath, LocalDir (a local drive path), Destinations (string[] of folders),
#     RequiredPaths (string[] that must exist), MongoDataPath ('' = no dump), FreeSpaceFactor (double),
#     StaleSeconds (a lock whose heartbeat is older is an interrupted run), Controller (who runs us).
#   Check mode (-WhatIf): runs every check, takes no lock and creates nothing.
#   Result: is_admin, mongo_data_bytes, required_bytes, free_bytes, destinations [{path, writable, error}],
#     stale_run_id, stale_started_utc, stale_controller ('' when no interrupted run), cleaned (string[]), lock_taken.
#   Fails: 'validation' (not admin, required path or MongoDB data folder missing, LocalDir not on a drive),
#     'storage' (space, destination not writable), 'general' (another live backup holds the lock).
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$RunId, [string]$LockPath, [string]$StagingPath, [string]$LocalDir, [string[]]$Destinations = @(),
    [string[]]$RequiredPaths = @(), [string]$MongoDataPath = '', [double]$FreeSpaceFactor = 2,
    [int]$StaleSeconds = 900, [string]$Controller = ''
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1

$result = @{ is_admin = $false; mongo_data_bytes = 0; required_bytes = 0; free_bytes = 0; destinations = @()
    stale_run_id = ''; stale_started_utc = ''; stale_controller = ''; cleaned = (New-Object Collections.ArrayList); lock_taken = $false }
try {
    $principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
    $result.is_admin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    if (-not $result.is_admin) {
        throw (New-StepError 'validation' 'The backup needs administrator rights on the host: connect as an administrator or use become.')
    }
    $missing = @(@($RequiredPaths) | Where-Object { $_ -and -not (Test-Path -LiteralPath $_) })
    if ($missing.Count) { throw (New-StepError 'validation' "Required item(s) missing: $($missing -join ', '). Nothing was stopped.") }
    if ($MongoDataPath) {
        if (-not (Test-Path -LiteralPath $MongoDataPath)) {
            throw (New-StepError 'validation' "MongoDB data folder $MongoDataPath not found: check EmbeddedMongoDBRootPath in RuntimeSettings.xml. Nothing was stopped.")
        }
        $result.mongo_data_bytes = [long](Get-ChildItem -LiteralPath $MongoDataPath -Recurse -File -Force | Measure-Object -Property Length -Sum).Sum
    }
    $root = [IO.Path]::GetPathRoot($LocalDir)
    if ($root -notmatch '^[A-Za-z]:\\$') { throw (New-StepError 'validation' "The local backup folder $LocalDir must be on a local drive (like D:\Backups).") }
    if ($PSCmdlet.ShouldProcess($LocalDir, 'Create folder')) { $null = New-Item -ItemType Directory -Force -Path $LocalDir }
    $result.free_bytes = (New-Object IO.DriveInfo $root).AvailableFreeSpace
    $result.required_bytes = [long]($result.mongo_data_bytes * $FreeSpaceFactor)
    if ($result.free_bytes -lt $result.required_bytes) {
        throw (New-StepError 'storage' "Not enough free space on $LocalDir : $($result.free_bytes) bytes free, $($result.required_bytes) needed ($FreeSpaceFactor x MongoDB data).")
    }
    $result.destinations = @(foreach ($dest in @($Destinations)) {
        try {
            $null = New-Item -ItemType Directory -Force -Path $dest -WhatIf:$false
            $probe = Join-Path $dest ".alteryx_write_probe_$RunId"
            [IO.File]::WriteAllText($probe, 'probe'); Remove-Item -LiteralPath $probe -Force -WhatIf:$false
            @{ path = $dest; writable = $true; error = '' }
        } catch { @{ path = $dest; writable = $false; error = $_.Exception.Message } }
    })
    $bad = @($result.destinations | Where-Object { -not $_.writable })
    if ($bad.Count) {
        throw (New-StepError 'storage' ("Destination not writable: $($bad[0].path): $($bad[0].error). For a network share, " +
            'WinRM does not delegate credentials: use become, CredSSP or Kerberos delegation, or grant the computer account access.'))
    }
    if (Test-Path -LiteralPath $LockPath) {
        $lock = Get-Content -LiteralPath $LockPath -Raw | ConvertFrom-Json
        $age = ((Get-Date).ToUniversalTime() - [datetime]::Parse($lock.heartbeat_utc).ToUniversalTime()).TotalSeconds
        if ($age -lt $StaleSeconds) {
            throw (New-StepError 'general' "Another backup ($($lock.run_id) from $($lock.controller)) is running on this host; its heartbeat is $([int]$age) s old. Wait for it or remove $LockPath if it is dead.")
        }
        $result.stale_run_id = [string]$lock.run_id; $result.stale_started_utc = [string]$lock.started_utc
        $result.stale_controller = [string]$lock.controller
        if ($PSCmdlet.ShouldProcess($LockPath, 'Clean up the interrupted run')) {
            $Ansible.Changed = $true
            $partials = @(Get-ChildItem -LiteralPath $LocalDir -Filter '*.partial' -Force | ForEach-Object { $_.FullName })
            foreach ($leftover in @($lock.staging_path) + $partials) {
                if ($leftover -and (Test-Path -LiteralPath $leftover)) { Remove-Item -LiteralPath $leftover -Recurse -Force; $null = $result.cleaned.Add($leftover) }
            }
            Remove-Item -LiteralPath $LockPath -Force
        }
    }
    if ($PSCmdlet.ShouldProcess($LockPath, 'Take the backup lock')) {
        $Ansible.Changed = $true
        $now = (Get-Date).ToUniversalTime().ToString('o')
        @{ run_id = $RunId; controller = $Controller; started_utc = $now; heartbeat_utc = $now; staging_path = $StagingPath } |
            ConvertTo-Json | Set-Content -LiteralPath $LockPath
        $null = New-Item -ItemType Directory -Force -Path $StagingPath
        $result.lock_taken = $true
    }
} catch {
    $Ansible.Result = $result + @{ failure_class = (Get-FailureClass $_ 'general'); message = $_.Exception.Message }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = $result
