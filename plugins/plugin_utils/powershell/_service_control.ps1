# alteryx.server: _service_control
# Contract: shared functions, inlined by the controller where a script has '#include _service_control.ps1';
#   no effect on its own. Wait-Workflow and Stop-Workflow are the one workflow wait/kill routine; Set-ServiceTarget
#   brings a service to Running or Stopped the way the Service Control Manager allows it.
#   Wait-Workflow -MaxWait -LockPath -RunId: seconds waited while AlteryxEngineCmd runs (heartbeat refreshed; needs
#     '#include _run_lock.ps1').
#   Stop-Workflow: kills the workflows still running (one that exits meanwhile is not an error), returns the count.
#   Set-ServiceTarget -Name -Target ('Running'|'Stopped') -TimeoutSeconds: waits out a pending state, then
#     Start()/Stop() only from a state that allows it, and polls Status (WaitForStatus would wait the whole
#     timeout for a service that crashed back to Stopped). Returns a transition @{ service; state; at_utc }
#     or $null when nothing had to change. Throws TimeoutException (timeout) or InvalidOperationException (crash).
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Wait-Workflow([int]$MaxWait, [string]$LockPath, [string]$RunId) {
    $waited = 0
    while (@(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue).Count -and $waited -lt $MaxWait) {
        Start-Sleep -Seconds 5; $waited += 5; Update-Heartbeat $LockPath $RunId
    }
    $waited
}

function Stop-Workflow {
    $running = @(Get-Process -Name AlteryxEngineCmd -ErrorAction SilentlyContinue)
    $running | Stop-Process -Force -ErrorAction SilentlyContinue
    $running.Count
}

function Set-ServiceTarget([string]$Name, [string]$Target, [int]$TimeoutSeconds) {
    $svc = Get-Service -Name $Name
    $deadline = (Get-Date).AddSeconds($TimeoutSeconds)
    $asked = $false
    $moved = $false  # the service left its state after we asked
    while ($true) {
        $svc.Refresh()
        $status = $svc.Status.ToString()
        if ($status -eq $Target) {
            if (-not $asked) { return $null }
            return @{ service = $Name; state = $Target; at_utc = (Get-Date).ToUniversalTime().ToString('o') }
        }
        if ($asked -and $Target -eq 'Running' -and $status -eq 'Stopped') {
            throw (New-Object InvalidOperationException "$Name started but fell back to Stopped: check its event log and the Alteryx service log.")
        }
        # A stop never passes through StartPending, nor comes back to Running: someone started the service meanwhile.
        if ($asked -and $Target -eq 'Stopped' -and ($status -eq 'StartPending' -or ($moved -and $status -eq 'Running'))) {
            throw (New-Object InvalidOperationException "$Name was started again by someone else while it was being stopped (it is $status).")
        }
        if ($asked -and $status -ne 'Running') { $moved = $true }
        if (-not $asked -and $Target -eq 'Running' -and $status -eq 'Stopped') { $svc.Start(); $asked = $true }
        elseif (-not $asked -and $Target -eq 'Stopped' -and ($status -eq 'Running' -or $status -eq 'Paused')) {
            # Stop() returns once the service acknowledged (StopPending): seen now, a later Running is a restart.
            $svc.Stop(); $asked = $true; $svc.Refresh(); $moved = $svc.Status.ToString() -ne 'Running'
        }
        if ((Get-Date) -gt $deadline) {
            throw (New-Object TimeoutException "$Name did not reach $Target within $TimeoutSeconds s (it is $status).")
        }
        Start-Sleep -Milliseconds 500
    }
}
