# alteryx.server: _run_log
# Contract: shared function, inlined by the controller where a script has '#include _run_log.ps1'.
#   Add-RunLog -Path -Text: appends Text (UTF-8 without BOM) to the run's host log Path, creating its folder; does
#   nothing when either is empty. Text holds the lines of the run's earlier steps, so the log grows as the run goes.
#   Best effort, never throws: the lines are a record, and a log that cannot be written must not fail the step
#   that carries them (the run's last step writes the log and fails with 'storage' when it cannot).
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function Add-RunLog([string]$Path, [string]$Text) {
    if (-not $Path -or -not $Text) { return }
    try {
        $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($Path))
        [IO.File]::AppendAllText($Path, $Text, (New-Object Text.UTF8Encoding($false)))
    } catch { $null = $_ }
}
