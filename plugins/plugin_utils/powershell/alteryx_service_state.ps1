# alteryx.server: alteryx_service_state
# Contract: brings a service to State ('started' or 'stopped'). Before a stop, waits for running workflows
#   (AlteryxEngineCmd.exe) up to MaxWorkflowWait seconds, then kills them only when ForceStopWorkflows; a pending
#   state is waited out; the change must finish within MaxServiceWait.
#   Safety net (SafetyNetSeconds > 0; SafetyNetName, SafetyNetExpireSeconds, SafetyNetDeleteSeconds, see
#   _safety_net.ps1): a stop that has to happen registers, after the workflow wait and before any workflow is
#   killed or the service stopped, a one-shot task that starts the service after SafetyNetSeconds; if that fails,
#   nothing is killed or stopped. A start, once the service runs (also when it already ran), reads that task and
#   unregisters it: an absent task is no error, one that cannot be removed is a warning. A start that fails leaves
#   the task armed.
#   Check mode (-WhatIf): reports the current state and changes nothing (no task registered, read or removed).
#   Parameters: Name, State, MaxWorkflowWait, ForceStopWorkflows (bool), MaxServiceWait, SafetyNetSeconds,
#     SafetyNetName, SafetyNetExpireSeconds, SafetyNetDeleteSeconds.
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Result: name, exists, initial_state, state, transitions [{service, state, at_utc}], running_workflows,
#     workflows_waited_seconds, workflows_killed, safety_net_name, safety_net_registered, safety_net_at_utc,
#     safety_net_found, safety_net_last_run_utc, safety_net_last_result, safety_net_removed.
#   Fails: 'validation' (service missing), 'service_timeout' (workflows or the state change took too long, or the
#     service fell back to Stopped while starting), 'general' (the safety net could not be registered).
[CmdletBinding(SupportsShouldProcess)]
param([string]$Name = 'AlteryxService', [string]$State = 'started', [int]$MaxWorkflowWait = 3600,
    [bool]$ForceStopWorkflows = $false, [int]$MaxServiceWait = 7200, [int]$SafetyNetSeconds = 0,
    [string]$SafetyNetName = '', [int]$SafetyNetExpireSeconds = 3600, [int]$SafetyNetDeleteSeconds = 86400,
    [string]$RunLogPath = '', [string]$RunLogText = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _service_control.ps1
#include _safety_net.ps1
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
    running_workflows = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count
    safety_net_name = $SafetyNetName; safety_net_registered = $false; safety_net_at_utc = ''; safety_net_found = $false
    safety_net_last_run_utc = ''; safety_net_last_result = 0; safety_net_removed = $false }
$result.state = $result.initial_state
if ($svc.Status.ToString() -ne $target) {
    if (-not $PSCmdlet.ShouldProcess($Name, "Set state $State")) {
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
            if ($SafetyNetSeconds -gt 0) {
                try {
                    $result.safety_net_at_utc = Register-SafetyNet $SafetyNetName $Name $SafetyNetSeconds $SafetyNetExpireSeconds $SafetyNetDeleteSeconds
                } catch {
                    $Ansible.Result = $result + @{ failure_class = 'general'; message = ("Could not register the safety " +
                        "net task '$SafetyNetName' ($($_.Exception.Message)), so $Name was not stopped. Check that the " +
                        "Task Scheduler service runs and that the connecting account is an administrator, or set " +
                        "safety_net_seconds: 0 to stop without a net.") }
                    $Ansible.Failed = $true
                    return
                }
                $Ansible.Changed = $true
                $result.safety_net_registered = $true
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
}
if ($target -eq 'Running' -and $SafetyNetSeconds -gt 0 -and $PSCmdlet.ShouldProcess($SafetyNetName, 'Remove the safety net task')) {
    try {
        $net = Get-SafetyNet $SafetyNetName
        if ($net) {
            $result.safety_net_found = $true
            $result.safety_net_at_utc = $net.at_utc
            $result.safety_net_last_run_utc = $net.last_run_utc
            $result.safety_net_last_result = $net.last_result
            Unregister-ScheduledTask -TaskName $SafetyNetName -TaskPath '\' -Confirm:$false
            $Ansible.Changed = $true
            $result.safety_net_removed = $true
        }
    } catch {
        Write-Warning "Could not remove the safety net task '$SafetyNetName': $($_.Exception.Message)"
    }
}
$Ansible.Result = $result
