# alteryx.server: _step_error
# Contract: shared functions, inlined by the controller where a script has '#include _step_error.ps1'.
#   New-StepError -Class -Message: an exception tagged with a failure class, to throw from anywhere in a script
#     (win_powershell runs scripts in a hosted runspace, where 'exit' is not a safe way out).
#   Get-FailureClass -ErrorRecord -Default: the class of a caught error, or Default for an untagged one.
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function New-StepError([string]$Class, [string]$Message) {
    $exception = New-Object InvalidOperationException $Message
    $exception.Data['failure_class'] = $Class
    $exception
}

function Get-FailureClass([Management.Automation.ErrorRecord]$ErrorRecord, [string]$Default) {
    if ($ErrorRecord.Exception.Data.Contains('failure_class')) { return $ErrorRecord.Exception.Data['failure_class'] }
    $Default
}
