# alteryx.server: _invoke_native
# Contract: shared functions, inlined by the controller where a script has '#include _invoke_native.ps1'.
#   Invoke-Native -FilePath -Argument: runs a native command and returns @{ exit_code; stdout; stderr } as text
#   (lines joined with LF). Throws when FilePath does not exist.
#   Windows PowerShell 5.1 turns every stderr line of a redirected native command into an ErrorRecord, which is
#   terminating under $ErrorActionPreference = 'Stop'; the function lowers it to 'Continue' in its own scope only.
#   Invoke-NativeWatched -FilePath -Argument (string[]) -OnWait -EverySeconds -Missing: the same result, for a long
#     command: the process runs with both streams read asynchronously and OnWait is called every EverySeconds
#     until it exits (the caller refreshes its lock's heartbeat there). Missing is the hint of the "not found"
#     error. The arguments become one command line by Join-NativeArgument.
#   Join-NativeArgument -Argument (string[]): the command line CommandLineToArgvW (and Go's os.Args, mongodump's
#     parser) splits back into exactly these arguments: an argument with whitespace or '"' (or an empty one) is
#     quoted, '"' inside it is escaped, and backslashes are doubled only where they precede a '"'.
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

function Join-NativeArgument([string[]]$Argument) {
    $quoted = foreach ($arg in $Argument) {
        if ($arg.Length -and $arg -notmatch '[\s"]') { $arg; continue }
        # Backslashes before a quote (or before the closing quote) are doubled; the quote itself is escaped.
        '"' + ($arg -replace '(\\*)"', '$1$1\"' -replace '(\\+)$', '$1$1') + '"'
    }
    @($quoted) -join ' '
}

function Invoke-NativeWatched([string]$FilePath, [string[]]$Argument, [scriptblock]$OnWait, [int]$EverySeconds,
        [string]$Missing = 'is Alteryx Server installed on this node?') {
    if (-not (Test-Path -LiteralPath $FilePath)) { throw "$FilePath not found: $Missing" }
    $info = New-Object Diagnostics.ProcessStartInfo $FilePath
    $info.Arguments = Join-NativeArgument $Argument
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
