# alteryx.server: _invoke_native
# Contract: shared function, inlined by the controller where a script has '#include _invoke_native.ps1'.
#   Invoke-Native -FilePath -Argument: runs a native command and returns @{ exit_code; stdout; stderr } as text
#   (lines joined with LF). Throws when FilePath does not exist.
#   Windows PowerShell 5.1 turns every stderr line of a redirected native command into an ErrorRecord, which is
#   terminating under $ErrorActionPreference = 'Stop'; the function lowers it to 'Continue' in its own scope only.
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Invoke-Native([string]$FilePath, [string]$Argument) {
    if (-not (Test-Path -LiteralPath $FilePath)) { throw "$FilePath not found: is Alteryx Server installed on this node?" }
    $ErrorActionPreference = 'Continue'
    $out = New-Object Collections.ArrayList
    $err = New-Object Collections.ArrayList
    & $FilePath $Argument 2>&1 | ForEach-Object {
        if ($_ -is [Management.Automation.ErrorRecord]) { $null = $err.Add($_.ToString()) } else { $null = $out.Add([string]$_) }
    }
    @{ exit_code = $LASTEXITCODE; stdout = ($out -join "`n"); stderr = ($err -join "`n") }
}
