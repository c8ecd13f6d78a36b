# alteryx.server: alteryx_dump_window
# Contract: the downtime window, run as ONE detached async job: [wait for workflows -> stop service] -> dump by
#   Method -> start the service again in 'finally' (when it was running and StopService is set), even if the
#   controller is gone. Only after the service is back: read mongoDump.log and hash every dump file. The controller
#   judges the dump (stdout, stderr, log, exit code); this script never does.
#   Methods: 'emongodump' (embedded MongoDB): AlteryxService.exe (ExePath) emongodump=<DumpPath>.
#     'mongodump' (self-managed MongoDB): MongodumpPath (MongoDB Database Tools 100.x) --out=<DumpPath> with --uri
#       (never a password in it), --username/--authenticationDatabase, --gzip, --oplog, and one run per name in
#       Databases (--db) or one full run when Databases is empty. The password arrives as a [SecureString]
#       (win_powershell sensitive_parameters, so it is no_log in the module's invocation and never rests in the
#       async job's results file) and never goes on a command line: it becomes text only to be written to a
#       mongodump --config YAML file (through a BSTR zeroed and freed at once) in a new folder under $env:TEMP
#       whose ACL allows only the current user and Administrators (inheritance removed), and folder and file
#       are deleted in 'finally'.
#       mongodump logs to stderr only: the script writes that text to <DumpPath>\mongoDump.log.
#     'copy' (SQLite persistence): every file of SourcePath (hidden ones too) copied into DumpPath; the running
#       service holds the SQLite files open without sharing, so the copy is only safe (and only works) while it
#       is stopped.
#   While the job runs, the window marker WindowPath ({run_id, expires_utc = start + JobTimeout, pid and
#   process_started_utc of this job}) exists, so a failed run's cleanup can wait for the job to bring the service
#   back and a second run never takes the lock over from a live job. The lock's heartbeat is refreshed every
#   HeartbeatSeconds while workflows are waited for and while the dump runs. The marker is written before the lock
#   is checked: a cleanup releases the lock before it looks for the marker, so either it sees the marker and
#   waits, or this job sees the lock gone and touches nothing.
#   Parameters: Method, ExePath, DumpPath, StopService (bool), ServiceName, MaxWorkflowWait, ForceStopWorkflows
#     (bool), MaxServiceWait (seconds), LockPath (heartbeat refreshed while waiting), RunId (must own LockPath),
#     WindowPath ('' = no marker), JobTimeout (seconds, the async timeout of this job), HeartbeatSeconds;
#     for mongodump: MongodumpPath, Uri, Username, AuthDatabase, Databases, Password ([SecureString], $null or
#     empty = no password), Gzip, Oplog;
#     for copy: SourcePath.
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Result: method, initial_state, final_state, transitions [{service, state, at_utc}], downtime_seconds,
#     workflows_waited_seconds, workflows_killed, workflows_running, dump_path, exe_exit_code, exe_stdout,
#     exe_stderr, dump_log ($null when absent), files [{path (relative to DumpPath), size, sha256}].
#   Fails: 'service_timeout' (workflows still running, stop/start too slow or the service fell back to Stopped),
#     'mongodb' (the dump program could not be run, or the copy failed), 'general' (the run lost its lock: it was
#     cancelled).
[CmdletBinding()]
param(
    [string]$Method = 'emongodump', [string]$ExePath, [string]$DumpPath, [bool]$StopService = $true, [string]$ServiceName = 'AlteryxService',
    [int]$MaxWorkflowWait = 3600, [bool]$ForceStopWorkflows = $false, [int]$MaxServiceWait = 7200, [string]$LockPath = '',
    [string]$RunId = '', [string]$WindowPath = '', [int]$JobTimeout = 21600, [int]$HeartbeatSeconds = 30,
    [string]$RunLogPath = '', [string]$RunLogText = '',
    [string]$MongodumpPath = '', [string]$Uri = '', [string]$Username = '', [string]$AuthDatabase = 'admin',
    [string[]]$Databases = @(), [SecureString]$Password = $null, [bool]$Gzip = $false, [bool]$Oplog = $false,
    [string]$SourcePath = ''
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _service_control.ps1
#include _run_lock.ps1
#include _invoke_native.ps1
#include _run_log.ps1
#include _private_config.ps1
Add-RunLog $RunLogPath $RunLogText

function Invoke-Mongodump {
    $null = New-Item -ItemType Directory -Path $DumpPath -Force
    $arguments = @("--out=$DumpPath")
    if ($Uri) { $arguments += "--uri=$Uri" }
    if ($Username) { $arguments += @("--username=$Username", "--authenticationDatabase=$AuthDatabase") }
    if ($Gzip) { $arguments += '--gzip' }
    if ($Oplog) { $arguments += '--oplog' }
    $private = ''
    $run = @{ exit_code = 0; stdout = ''; stderr = '' }
    try {
        # A SecureString is a non-null object, so an empty one is truthy: its Length decides.
        if ($null -ne $Password -and $Password.Length -gt 0) {
            $private = New-PrivateFolder 'alteryx-mongodump-'
            $config = Join-Path $private 'mongodump.yml'
            Write-PasswordConfig $config $Password
            $arguments = @("--config=$config") + $arguments
        }
        $targets = if ($Databases.Count) { $Databases } else { @('') }
        $stderr = New-Object Collections.ArrayList
        foreach ($database in $targets) {
            $argv = if ($database) { $arguments + "--db=$database" } else { $arguments }
            $one = Invoke-NativeWatched $MongodumpPath $argv { Update-Heartbeat $LockPath $RunId } $HeartbeatSeconds 'install MongoDB Database Tools 100.x or set mongodump_path.'
            if ($one.stderr) { $null = $stderr.Add($one.stderr) }
            $run = @{ exit_code = $one.exit_code; stdout = $one.stdout; stderr = ($stderr -join "`n") }
            if ($one.exit_code -ne 0) { break }
        }
    } finally {
        if ($private) { Remove-Item -LiteralPath $private -Recurse -Force }
    }
    [IO.File]::WriteAllText((Join-Path $DumpPath 'mongoDump.log'), $run.stderr + "`n")
    $run
}

function Copy-Persistence {
    $null = New-Item -ItemType Directory -Path $DumpPath -Force
    $source = (Get-Item -LiteralPath $SourcePath -Force).FullName.TrimEnd('\') + '\'
    foreach ($item in @(Get-ChildItem -LiteralPath $SourcePath -Recurse -File -Force)) {
        $target = Join-Path $DumpPath $item.FullName.Substring($source.Length)
        $null = New-Item -ItemType Directory -Path (Split-Path -Parent $target) -Force
        Copy-Item -LiteralPath $item.FullName -Destination $target -Force
    }
    @{ exit_code = 0; stdout = ''; stderr = '' }
}

$transitions = New-Object Collections.ArrayList
$result = @{ method = $Method; initial_state = (Get-Service -Name $ServiceName).Status.ToString(); transitions = $transitions
    downtime_seconds = 0; workflows_waited_seconds = 0; workflows_killed = 0; workflows_running = 0; dump_path = $DumpPath
    exe_exit_code = $null; exe_stdout = ''; exe_stderr = ''; dump_log = $null; files = @(); final_state = '' }
if ($WindowPath) {
    # Best effort (a full disk must not turn into a failure of its own): the lock check below still keeps a
    # cancelled job away from the service.
    try {
        @{ run_id = $RunId; expires_utc = (Get-Date).ToUniversalTime().AddSeconds($JobTimeout).ToString('o'); pid = $PID
            process_started_utc = (Get-Process -Id $PID).StartTime.ToUniversalTime().ToString('o') } |
            ConvertTo-Json | Set-Content -LiteralPath $WindowPath
    } catch { $WindowPath = '' }
}
try {
    if (-not (Test-RunOwnsLock $LockPath $RunId)) {
        $result.final_state = $result.initial_state
        $Ansible.Result = $result + @{ failure_class = 'general'; message = "Run $RunId no longer owns $LockPath (the run was cancelled): the service was not touched." }
        $Ansible.Failed = $true
        return
    }
    $stop = $StopService -and $result.initial_state -ne 'Stopped'
    if ($stop) {
        $result.workflows_waited_seconds = Wait-Workflow $MaxWorkflowWait $LockPath $RunId
        $result.workflows_running = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count
        if ($result.workflows_running -and -not $ForceStopWorkflows) {
            $result.final_state = $result.initial_state
            $Ansible.Result = $result + @{ failure_class = 'service_timeout'
                message = "$($result.workflows_running) workflow(s) still running after $MaxWorkflowWait s; the service was not stopped. Retry later or set force_stop_workflows." }
            $Ansible.Failed = $true
            return
        }
        if ($result.workflows_running) { $result.workflows_killed = Stop-Workflow }
    }
    $stoppedAt = $null; $startedAt = $null; $phase = 'service stop'
    $Ansible.Changed = $true
    try {
        if ($stop) {
            $t = Set-ServiceTarget $ServiceName 'Stopped' $MaxServiceWait; if ($t) { $null = $transitions.Add($t) }
            $stoppedAt = Get-Date
        }
        $phase = $Method
        $run = if ($Method -eq 'mongodump') { Invoke-Mongodump }
            elseif ($Method -eq 'copy') { Copy-Persistence }
            else { Invoke-NativeWatched $ExePath "emongodump=$DumpPath" { Update-Heartbeat $LockPath $RunId } $HeartbeatSeconds }
        $result.exe_exit_code = $run.exit_code; $result.exe_stdout = $run.stdout; $result.exe_stderr = $run.stderr
    } catch {
        $result.failure_class = if ($phase -eq $Method) { 'mongodb' } else { 'service_timeout' }
        $result.message = "$phase failed: $($_.Exception.Message)"
    } finally {
        if ($stop) {
            try {
                $t = Set-ServiceTarget $ServiceName 'Running' $MaxServiceWait; if ($t) { $null = $transitions.Add($t) }
                $startedAt = Get-Date
            } catch {
                $result.failure_class = 'service_timeout'
                $result.message = "$($_.Exception.Message) The service may be down: start it by hand."
            }
        }
    }
    $result.final_state = (Get-Service -Name $ServiceName).Status.ToString()
    if ($stoppedAt -and $startedAt) { $result.downtime_seconds = ($startedAt - $stoppedAt).TotalSeconds }
    if ($result.ContainsKey('failure_class')) {
        $Ansible.Result = $result
        $Ansible.Failed = $true
        return
    }
    Update-Heartbeat $LockPath $RunId
    $log = Join-Path $DumpPath 'mongoDump.log'
    if (Test-Path -LiteralPath $log) { $result.dump_log = [IO.File]::ReadAllText($log) }
    if (Test-Path -LiteralPath $DumpPath) {
        $root = (Get-Item -LiteralPath $DumpPath).FullName.TrimEnd('\') + '\'
        $result.files = @(Get-ChildItem -LiteralPath $DumpPath -Recurse -File -Force | ForEach-Object {
            @{ path = $_.FullName.Substring($root.Length); size = $_.Length; sha256 = (Get-FileHash -LiteralPath $_.FullName -Algorithm SHA256).Hash.ToLower() } })
    }
    $Ansible.Result = $result
} finally {
    if ($WindowPath) { Remove-Item -LiteralPath $WindowPath -Force -ErrorAction SilentlyContinue }
}
