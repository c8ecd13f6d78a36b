# alteryx.server: alteryx_service_state
# Contract: brings a service to State ('started' or 'stopped'). Before a stop, waits for running workflows
#   (AlteryxEngineCmd.exe) up to MaxWorkflowWait seconds, then kills them only when ForceStopWorkflows; a pending
#   state is waited out; the change must finish within MaxServiceWait.
#   Check mode (-WhatIf): reports the current state and changes nothing.
#   Parameters: Name, State, MaxWorkflowWait, ForceStopWorkflows (bool), MaxServiceWait.
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Result: name, exists, initial_state, state, transitions [{service, state, at_utc}], running_workflows,
#     workflows_waited_seconds, workflows_killed.
#   Fails: 'validation' (service missing), 'service_timeout' (workflows or the state change took too long, or the
#     service fell back to Stopped while starting).
[CmdletBinding(SupportsShouldProcess)]
param([string]$Name = 'AlteryxService', [string]$State = 'started', [int]$MaxWorkflowWait = 3600,
    [bool]$ForceStopWorkflows = $false, [int]$MaxServiceWait = 7200, [string]$RunLogPath = '', [string]$RunLogText = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _service_control.ps1
#include _run_lock.ps1
#include _run_log.ps1
Add-RunLog $RunLogPath $RunLogText

$svc = Get-Service -Name $Name -ErrorAction SilentlyContinue
if (-not $svc) {
    $Ansible.Result = @{ failure_class = 'validation'; message = "Service $Name is not installed."; name = $Name; exists = $false }
    $Ansible.Failed = $true
    return
}
$target = if ($State -eq 'stopped') { 'Stopped' } else { 'Running' }
$transitions = New-Object Collections.ArrayList
$result = @{ name = $svc.Name; exists = $true; initial_state = $svc.Status.ToString(); transitions = $transitions
    workflows_waited_seconds = 0; workflows_killed = 0
    running_workflows = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count }
$result.state = $result.initial_state
if ($svc.Status.ToString() -eq $target -or -not $PSCmdlet.ShouldProcess($Name, "Set state $State")) {
    $Ansible.Result = $result
    return
}
try {
    if ($target -eq 'Stopped') {
        $result.workflows_waited_seconds = Wait-Workflow $MaxWorkflowWait '' ''
        $running = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count
        if ($running -and -not $ForceStopWorkflows) {
            throw (New-Object TimeoutException "$running workflow(s) still running after $MaxWorkflowWait s; $Name was not stopped.")
        }
        if ($running) { $Ansible.Changed = $true; $result.workflows_killed = Stop-Workflow }
    }
    $Ansible.Changed = $true
    $t = Set-ServiceTarget $Name $target $MaxServiceWait; if ($t) { $null = $transitions.Add($t) }
} catch {
    $result.state = (Get-Service -Name $Name).Status.ToString()
    $Ansible.Result = $result + @{ failure_class = 'service_timeout'; message = $_.Exception.Message }
    $Ansible.Failed = $true
    return
}
$result.state = $target
$Ansible.Result = $result
