# alteryx.server: _safety_net
# Contract: shared functions, inlined by the controller where a script has '#include _safety_net.ps1'; no effect on
#   its own. The safety net of a stopped node is a one-shot task in the root folder of Task Scheduler, run as
#   SYSTEM, that runs 'sc.exe start <service>' (a start from any state but Stopped is refused by the SCM: exit code
#   1056).
#   Register-SafetyNet -TaskName -Service -Seconds -ExpireSeconds -DeleteSeconds: registers it (replacing one of the
#     same name, -Force) to fire at now + Seconds, whole seconds (the trigger drops the fraction); the trigger
#     expires ExpireSeconds later and Task Scheduler deletes the task DeleteSeconds after that. Returns the trigger
#     time (UTC, ISO 8601). Throws what Register-ScheduledTask throws.
#   Get-SafetyNet -TaskName: $null when there is no such task, else @{ at_utc; last_run_utc; last_result } (the
#     trigger time, Get-ScheduledTaskInfo's LastRunTime in UTC or '' and LastTaskResult: 267011 = never ran).
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Register-SafetyNet([string]$TaskName, [string]$Service, [int]$Seconds, [int]$ExpireSeconds, [int]$DeleteSeconds) {
    $at = (Get-Date).AddSeconds($Seconds)
    $at = $at.AddTicks(-($at.Ticks % [TimeSpan]::TicksPerSecond))
    $trigger = New-ScheduledTaskTrigger -Once -At $at
    # DeleteExpiredTaskAfter needs an EndBoundary on a trigger, or registration fails ('...EndBoundary:').
    $trigger.EndBoundary = $at.AddSeconds($ExpireSeconds).ToString('s')
    $action = New-ScheduledTaskAction -Execute "$env:SystemRoot\System32\sc.exe" -Argument ('start "' + $Service + '"')
    $principal = New-ScheduledTaskPrincipal -UserId 'NT AUTHORITY\SYSTEM' -LogonType ServiceAccount -RunLevel Highest
    $settings = New-ScheduledTaskSettingsSet -DeleteExpiredTaskAfter (New-TimeSpan -Seconds $DeleteSeconds) `
        -ExecutionTimeLimit (New-TimeSpan -Minutes 5) -AllowStartIfOnBatteries -DontStopIfGoingOnBatteries
    $null = Register-ScheduledTask -TaskName $TaskName -TaskPath '\' -Action $action -Trigger $trigger `
        -Principal $principal -Settings $settings -Force `
        -Description "Starts $Service if the alteryx.server run that stopped it does not come back."
    $at.ToUniversalTime().ToString('o')
}

function Get-SafetyNet([string]$TaskName) {
    $task = Get-ScheduledTask -TaskName $TaskName -TaskPath '\' -ErrorAction SilentlyContinue
    if (-not $task) { return $null }
    $info = $task | Get-ScheduledTaskInfo
    $lastRun = ''
    if ($info.LastRunTime) { $lastRun = $info.LastRunTime.ToUniversalTime().ToString('o') }
    # LastTaskResult is a UInt32 (HRESULTs such as 0x80070002 overflow [int]).
    @{ at_utc = ([datetime]@($task.Triggers)[0].StartBoundary).ToUniversalTime().ToString('o')
        last_run_utc = $lastRun; last_result = [long]$info.LastTaskResult }
}
