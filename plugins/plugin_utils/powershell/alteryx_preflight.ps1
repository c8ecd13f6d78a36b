# alteryx.server: alteryx_preflight
# Contract: checks that a backup can run, then takes the host-side lock and creates the staging folder.
#   Parameters: RunId, LockPath, StagingPath, LocalDir, Destinations (string[] of folders),
#     RequiredPaths (string[] that must exist), MongoDataPath ('' = no dump), FreeSpaceFactor (double),
#     StaleSeconds (a lock whose heartbeat is older is an interrupted run), Controller (who runs us).
#   Check mode (-WhatIf): runs every check, takes no lock and creates nothing.
#   Result: is_admin, mongo_data_bytes, required_bytes, free_bytes, destinations [{path, writable, error}],
#     stale_run ($null or the interrupted run's lock content), cleaned (string[]), lock_taken.
#   Fails: 'validation' (not admin, required path missing), 'storage' (space, destination not writable),
#     'general' (another live backup holds the lock).
[CmdletBinding(SupportsShouldProcess)]
param(
    [string]$RunId, [string]$LockPath, [string]$StagingPath, [string]$LocalDir, [string[]]$Destinations = @(),
    [string[]]$RequiredPaths = @(), [string]$MongoDataPath = '', [double]$FreeSpaceFactor = 2,
    [int]$StaleSeconds = 900, [string]$Controller = ''
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
function Stop-Preflight([string]$Class, [string]$Message) {
    $Ansible.Result = @{ failure_class = $Class; message = $Message }
    $Ansible.Failed = $true
    exit
}

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
    Stop-Preflight 'validation' 'The backup needs administrator rights on the host: connect as an administrator or use become.'
}
$missing = @($RequiredPaths | Where-Object { -not (Test-Path -LiteralPath $_) })
if ($missing.Count) { Stop-Preflight 'validation' "Required item(s) missing: $($missing -join ', '). Nothing was stopped." }

$mongoBytes = 0
if ($MongoDataPath) { $mongoBytes = (Get-ChildItem -LiteralPath $MongoDataPath -Recurse -File | Measure-Object Length -Sum).Sum }
if (-not $WhatIfPreference) { $null = New-Item -ItemType Directory -Force -Path $LocalDir }
$probeDir = if (Test-Path -LiteralPath $LocalDir) { $LocalDir } else { Split-Path -Qualifier $LocalDir }
$free = (Get-PSDrive -Name (Split-Path -Qualifier $probeDir).TrimEnd(':')).Free
$required = [long]($mongoBytes * $FreeSpaceFactor)
if ($free -lt $required) { Stop-Preflight 'storage' "Not enough free space on $LocalDir : $free bytes free, $required needed ($FreeSpaceFactor x MongoDB data)." }

$dests = foreach ($dest in $Destinations) {
    try {
        $null = New-Item -ItemType Directory -Force -Path $dest -WhatIf:$false
        $probe = Join-Path $dest ".alteryx_write_probe_$RunId"
        [IO.File]::WriteAllText($probe, 'probe'); Remove-Item -LiteralPath $probe -Force -WhatIf:$false
        @{ path = $dest; writable = $true; error = '' }
    } catch { @{ path = $dest; writable = $false; error = $_.Exception.Message } }
}
$bad = @($dests | Where-Object { -not $_.writable })
if ($bad.Count) {
    Stop-Preflight 'storage' ("Destination not writable: $($bad[0].path): $($bad[0].error). For a network share, " +
        'WinRM does not delegate credentials: use become, CredSSP or Kerberos delegation, or grant the computer account access.')
}

$stale = $null; $cleaned = @()
if (Test-Path -LiteralPath $LockPath) {
    $lock = Get-Content -LiteralPath $LockPath -Raw | ConvertFrom-Json
    $age = ((Get-Date).ToUniversalTime() - [datetime]::Parse($lock.heartbeat_utc).ToUniversalTime()).TotalSeconds
    if ($age -lt $StaleSeconds) { Stop-Preflight 'general' "Another backup ($($lock.run_id) from $($lock.controller)) is running on this host; its heartbeat is $([int]$age) s old. Wait for it or remove $LockPath if it is dead." }
    $stale = $lock
    if (-not $WhatIfPreference) {
        foreach ($leftover in @($lock.staging_path) + @(Get-ChildItem -LiteralPath $LocalDir -Filter '*.partial' | ForEach-Object FullName)) {
            if ($leftover -and (Test-Path -LiteralPath $leftover)) { Remove-Item -LiteralPath $leftover -Recurse -Force; $cleaned += $leftover }
        }
        Remove-Item -LiteralPath $LockPath -Force
    }
}
$taken = $false
if (-not $WhatIfPreference) {
    $now = (Get-Date).ToUniversalTime().ToString('o')
    @{ run_id = $RunId; controller = $Controller; started_utc = $now; heartbeat_utc = $now; staging_path = $StagingPath } |
        ConvertTo-Json | Set-Content -LiteralPath $LockPath
    $null = New-Item -ItemType Directory -Force -Path $StagingPath
    $taken = $true
}
$Ansible.Changed = $taken
$Ansible.Result = @{ is_admin = $true; mongo_data_bytes = $mongoBytes; required_bytes = $required; free_bytes = $free
    destinations = @($dests); stale_run = $stale; cleaned = $cleaned; lock_taken = $taken }
