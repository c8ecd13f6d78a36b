# alteryx.server: alteryx_dump_window
# Contract: the downtime window, run as ONE detached async job: [wait for workflows -> stop service] ->
#   AlteryxService.exe emongodump=<DumpPath> -> start service again in 'finally' (when it was running and
#   StopService is set), even if the controller is gone. Only after the service is back: judge the dump from
#   stdout and mongoDump.log (never the exit code) and hash every dump file.
#   Parameters: ExePath, DumpPath, StopService (bool), ServiceName, MaxWorkflowWait, ForceStopWorkflows (bool),
#     MaxServiceWait (seconds), LockPath (heartbeat refreshed while waiting).
#   Result: transitions [{service, state, at_utc}], downtime_seconds, initial_state, final_state,
#     workflows_waited_seconds, workflows_killed, dump_path, databases [{name, collections [{name, documents, bytes}]}],
#     files [{path (relative to DumpPath), size, sha256}].
#   Fails: 'service_timeout' (workflows still running, stop/start too slow), 'mongodb' (dump failed).
param(
    [string]$ExePath, [string]$DumpPath, [bool]$StopService = $true, [string]$ServiceName = 'AlteryxService',
    [int]$MaxWorkflowWait = 3600, [bool]$ForceStopWorkflows = $false, [int]$MaxServiceWait = 7200, [string]$LockPath = ''
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$transitions = New-Object Collections.ArrayList
function Set-ServiceState([string]$Target) {
    $svc = Get-Service -Name $ServiceName
    if ($Target -eq 'Stopped') { $svc.Stop() } else { $svc.Start() }
    try { $svc.WaitForStatus($Target, [TimeSpan]::FromSeconds($MaxServiceWait)) }
    catch { throw [TimeoutException]"$ServiceName did not reach $Target within $MaxServiceWait s." }
    $null = $transitions.Add(@{ service = $ServiceName; state = $Target.ToLower(); at_utc = (Get-Date).ToUniversalTime().ToString('o') })
}
function Update-Heartbeat {
    if ($LockPath -and (Test-Path -LiteralPath $LockPath)) {
        $lock = Get-Content -LiteralPath $LockPath -Raw | ConvertFrom-Json
        $lock.heartbeat_utc = (Get-Date).ToUniversalTime().ToString('o')
        $lock | ConvertTo-Json | Set-Content -LiteralPath $LockPath
    }
}

$initial = (Get-Service -Name $ServiceName).Status.ToString().ToLower()
$waited = 0; $killed = 0
if ($StopService) {
    while (@(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count -and $waited -lt $MaxWorkflowWait) {
        Start-Sleep -Seconds 5; $waited += 5; Update-Heartbeat
    }
    $running = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue)
    if ($running.Count) {
        if (-not $ForceStopWorkflows) {
            $Ansible.Result = @{ failure_class = 'service_timeout'; message = "$($running.Count) workflow(s) still running after $MaxWorkflowWait s; the service was not stopped. Retry later or set force_stop_workflows."; workflows_waited_seconds = $waited; transitions = @() }
            $Ansible.Failed = $true
            return
        }
        $running | Stop-Process -Force; $killed = $running.Count
    }
}
$stdout = ''; $stoppedAt = $null; $startedAt = $null
trap [TimeoutException] {
    $Ansible.Result = @{ failure_class = 'service_timeout'; message = $_.Exception.Message; transitions = @($transitions) }
    $Ansible.Failed = $true
    return
}
try {
    if ($StopService -and $initial -ne 'stopped') { Set-ServiceState 'Stopped'; $stoppedAt = Get-Date }
    $stdout = (& $ExePath "emongodump=$DumpPath" 2>&1 | Out-String)
} finally {
    if ($StopService -and $initial -eq 'running') { Set-ServiceState 'Running'; $startedAt = Get-Date }
}
Update-Heartbeat
$log = Join-Path $DumpPath 'mongoDump.log'
$logText = if (Test-Path -LiteralPath $log) { [IO.File]::ReadAllText($log) } else { '' }
$result = @{ transitions = @($transitions); initial_state = $initial; final_state = (Get-Service -Name $ServiceName).Status.ToString().ToLower()
    downtime_seconds = if ($stoppedAt -and $startedAt) { ($startedAt - $stoppedAt).TotalSeconds } else { 0 }
    workflows_waited_seconds = $waited; workflows_killed = $killed; dump_path = $DumpPath; databases = @(); files = @() }
if ($stdout -match 'EMongoDump failed|Mongodump failed' -or $logText -match '(?im)^.*\b(error|fatal|failed)\b' -or $logText -notmatch 'done dumping') {
    $result.failure_class = 'mongodb'
    $result.message = "emongodump failed: $(($stdout.Trim() -split "`n")[-1]) (see $log)."
    $Ansible.Result = $result; $Ansible.Failed = $true
    return
}
$dbs = @{}
foreach ($m in [regex]::Matches($logText, 'done dumping ([^.\s]+)\.(\S+) \((\d+) documents?\)')) {
    $db = $m.Groups[1].Value; $coll = $m.Groups[2].Value
    $bsonFile = Join-Path (Join-Path $DumpPath $db) "$coll.bson"
    if (-not $dbs.ContainsKey($db)) { $dbs[$db] = New-Object Collections.ArrayList }
    $null = $dbs[$db].Add(@{ name = $coll; documents = [int]$m.Groups[3].Value; bytes = (Get-Item -LiteralPath $bsonFile).Length })
}
$result.databases = @($dbs.Keys | Sort-Object | ForEach-Object { @{ name = $_; collections = @($dbs[$_]) } })
$root = (Resolve-Path -LiteralPath $DumpPath).Path.TrimEnd('\') + '\'
$result.files = @(Get-ChildItem -LiteralPath $DumpPath -Recurse -File | ForEach-Object {
    @{ path = $_.FullName.Substring($root.Length); size = $_.Length; sha256 = (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash.ToLower() } })
$Ansible.Changed = $true
$Ansible.Result = $result
