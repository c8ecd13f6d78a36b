# alteryx.server: alteryx_service_state
# Contract: brings AlteryxService to State ('started' or 'stopped'). Before a stop, waits for running
#   workflows (AlteryxEngineCmd.exe) up to MaxWorkflowWait seconds, then kills them only when
#   ForceStopWorkflows; waits up to MaxServiceWait for the state change.
#   Check mode (-WhatIf): reports what it would do and changes nothing.
#   Parameters: Name, State, MaxWorkflowWait, ForceStopWorkflows (bool), MaxServiceWait.
#   Result: name, initial_state, state, transitions [{service, state, at_utc}], running_workflows,
#     workflows_waited_seconds, workflows_killed.
#   Fails: 'validation' (service missing), 'service_timeout' (workflows or the state change took too long).
[CmdletBinding(SupportsShouldProcess)]
param([string]$Name = 'AlteryxService', [string]$State = 'started', [int]$MaxWorkflowWait = 3600,
    [bool]$ForceStopWorkflows = $false, [int]$MaxServiceWait = 7200)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$svc = Get-Service -Name $Name -ErrorAction SilentlyContinue
if (-not $svc) {
    $Ansible.Result = @{ failure_class = 'validation'; message = "Service $Name is not installed." }
    $Ansible.Failed = $true
    return
}
$initial = $svc.Status.ToString().ToLower()
$target = if ($State -eq 'stopped') { 'Stopped' } else { 'Running' }
$result = @{ name = $Name; initial_state = $initial; state = $initial; transitions = @(); workflows_waited_seconds = 0; workflows_killed = 0
    running_workflows = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count }
if ($svc.Status.ToString() -eq $target -or -not $PSCmdlet.ShouldProcess($Name, "Set state $State")) {
    $Ansible.Result = $result
    return
}
if ($target -eq 'Stopped') {
    while (@(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count -and $result.workflows_waited_seconds -lt $MaxWorkflowWait) {
        Start-Sleep -Seconds 5; $result.workflows_waited_seconds += 5
    }
    $running = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue)
    if ($running.Count -and -not $ForceStopWorkflows) {
        $Ansible.Result = $result + @{ failure_class = 'service_timeout'; message = "$($running.Count) workflow(s) still running after $MaxWorkflowWait s; $Name was not stopped." }
        $Ansible.Failed = $true
        return
    }
    if ($running.Count) { $running | Stop-Process -Force; $result.workflows_killed = $running.Count }
    $svc.Stop()
} else { $svc.Start() }
try { $svc.WaitForStatus($target, [TimeSpan]::FromSeconds($MaxServiceWait)) }
catch {
    $Ansible.Result = $result + @{ failure_class = 'service_timeout'; message = "$Name did not reach $State within $MaxServiceWait s." }
    $Ansible.Failed = $true
    return
}
$result.state = $target.ToLower()
$result.transitions = @(@{ service = $Name; state = $target.ToLower(); at_utc = (Get-Date).ToUniversalTime().ToString('o') })
$Ansible.Changed = $true
$Ansible.Result = $result
