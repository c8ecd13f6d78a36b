# alteryx.server: _invoke_native
# Contract: shared functions, inlined by the controller where a script has '#include _invoke_native.ps1'.
#   Invoke-Native -FilePath -Argument: runs a native command and returns @{ exit_code; stdout; stderr } as text
#   (lines joined with LF). Throws when FilePath does not exist.
#   Windows PowerShell 5.1 turns every stderr line of a redirected native command into an ErrorRecord, which is
#   terminating under $ErrorActionPreference = 'Stop'; the function lowers it to 'Continue' in its own scope only.
#   Invoke-NativeWatched -FilePath -Argument -OnWait -EverySeconds: the same result, for a long command: the
#     process runs with both streams read asynchronously and OnWait is called every EverySeconds until it exits
#     (the caller refreshes its lock's heartbeat there).
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

function Invoke-NativeWatched([string]$FilePath, [string]$Argument, [scriptblock]$OnWait, [int]$EverySeconds) {
    if (-not (Test-Path -LiteralPath $FilePath)) { throw "$FilePath not found: is Alteryx Server installed on this node?" }
    $info = New-Object Diagnostics.ProcessStartInfo $FilePath
    # As '& $FilePath $Argument' passes it: quoted when it holds a space.
    $info.Arguments = if ($Argument -match '\s') { '"' + $Argument + '"' } else { $Argument }
    $info.UseShellExecute = $false; $info.CreateNoWindow = $true
    $info.RedirectStandardOutput = $true; $info.RedirectStandardError = $true
    $proc = [Diagnostics.Process]::Start($info)
    try {
        # Both streams drain in the background: a full stderr pipe would otherwise block the dump forever.
        $out = $proc.StandardOutput.ReadToEndAsync(); $err = $proc.StandardError.ReadToEndAsync()
        while (-not $proc.WaitForExit([Math]::Max(1, $EverySeconds) * 1000)) { & $OnWait }
        $proc.WaitForExit()
        @{ exit_code = $proc.ExitCode
            stdout = ($out.Result.TrimEnd("`r", "`n") -split "`r?`n") -join "`n"
            stderr = ($err.Result.TrimEnd("`r", "`n") -split "`r?`n") -join "`n" }
    } finally { $proc.Dispose() }
}
