# alteryx.server: alteryx_restore_database
# Contract: one short downtime window of a MongoDB restore, by Phase; the controller judges between them.
#   'restore': the archive's MongoDB/ entries extracted to StagingPath (emptied first) while the service still runs,
#     then stop the service, restore by Method, start the service again in 'finally'. After the start:
#     mongoRestore.log (in StagingPath) is read and StagingPath removed (best effort).
#     Method 'emongorestore' (embedded): AlteryxService.exe (ExePath) emongorestore=<StagingPath>,<RestorePath>
#       (RestorePath, a new folder next to the live one, emptied first; never the live folder).
#     Method 'mongorestore' (self-managed): MongorestorePath (MongoDB Database Tools 100.x) --dir=<StagingPath> with
#       --uri (never a password in it), --username/--authenticationDatabase, --gzip (a --gzip dump), --drop (Drop).
#       The password arrives as a [SecureString] (win_powershell sensitive_parameters) and only becomes text in a
#       --config file in a private folder (_private_config.ps1) deleted in 'finally'. mongorestore logs to stderr
#       only: the script writes that text to <StagingPath>\mongoRestore.log.
#   'switch': stop the service, DataPath renamed to OldPath and RestorePath moved into its place (the first rename
#     undone when the second fails), start the service again in 'finally'.
#   'discard': RestorePath and StagingPath removed; the service is not touched.
#   Parameters: Phase, Method, Archive, StagingPath, DataPath, RestorePath, OldPath, ExePath, ServiceName,
#     MaxServiceWait; for mongorestore: MongorestorePath, Uri, Username, AuthDatabase, Password ([SecureString],
#     $null or empty = no password), Drop, Gzip.
#   Result: phase, extracted (files), transitions [{service, state, at_utc}], final_state, exe_exit_code,
#     exe_stdout, exe_stderr, restore_log ($null when absent), switched (bool).
#   Fails: 'mongodb' (extract, the restore program could not run, or the switch failed: the live data is as it was),
#     'service_timeout' (stop/start too slow or the service fell back to Stopped).
[CmdletBinding()]
param(
    [string]$Phase = 'restore', [string]$Method = 'emongorestore', [string]$Archive = '', [string]$StagingPath = '',
    [string]$DataPath = '', [string]$RestorePath = '', [string]$OldPath = '', [string]$ExePath = '',
    [string]$ServiceName = 'AlteryxService', [int]$MaxServiceWait = 7200,
    [string]$MongorestorePath = '', [string]$Uri = '', [string]$Username = '', [string]$AuthDatabase = 'admin',
    [SecureString]$Password = $null, [bool]$Drop = $false, [bool]$Gzip = $false
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _service_control.ps1
#include _invoke_native.ps1
#include _private_config.ps1

function Clear-Folder([string]$Path) {
    # An empty path (mongorestore has no RestorePath) would fail Test-Path's parameter binding.
    if ($Path -and (Test-Path -LiteralPath $Path)) { Remove-Item -LiteralPath $Path -Recurse -Force }
}

function Invoke-Mongorestore {
    $arguments = @("--dir=$StagingPath")
    if ($Uri) { $arguments += "--uri=$Uri" }
    if ($Username) { $arguments += @("--username=$Username", "--authenticationDatabase=$AuthDatabase") }
    if ($Gzip) { $arguments += '--gzip' }
    if ($Drop) { $arguments += '--drop' }
    $private = ''
    try {
        # A SecureString is a non-null object, so an empty one is truthy: its Length decides.
        if ($null -ne $Password -and $Password.Length -gt 0) {
            $private = New-PrivateFolder 'alteryx-mongorestore-'
            $config = Join-Path $private 'mongorestore.yml'
            Write-PasswordConfig $config $Password
            $arguments = @("--config=$config") + $arguments
        }
        $run = Invoke-NativeWatched $MongorestorePath $arguments { $null } 30 'install MongoDB Database Tools 100.x or set mongorestore_path.'
    } finally {
        if ($private) { Remove-Item -LiteralPath $private -Recurse -Force }
    }
    [IO.File]::WriteAllText((Join-Path $StagingPath 'mongoRestore.log'), $run.stderr + "`n")
    $run
}

function Expand-Dump {
    # A leftover of an earlier try of this run is removed first: emongorestore wants what this archive holds, only.
    Clear-Folder $StagingPath
    $null = New-Item -ItemType Directory -Path $StagingPath -Force
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::OpenRead($Archive)
    $count = 0
    try {
        foreach ($entry in @($zip.Entries)) {
            if (-not $entry.FullName.StartsWith('MongoDB/') -or $entry.FullName.EndsWith('/')) { continue }
            $relative = $entry.FullName.Substring(8)
            if ($relative -match '(^|/)\.\.(/|$)') { throw "$($entry.FullName) leaves the dump folder: refused." }
            $target = Join-Path $StagingPath $relative.Replace('/', '\')
            $null = New-Item -ItemType Directory -Path (Split-Path -Parent $target) -Force
            [IO.Compression.ZipFileExtensions]::ExtractToFile($entry, $target, $true)
            $count++
        }
    } finally { $zip.Dispose() }
    $count
}

function Switch-DataFolder {
    if (-not (Test-Path -LiteralPath $RestorePath -PathType Container)) { throw "$RestorePath is missing: nothing was switched." }
    if (Test-Path -LiteralPath $OldPath) { throw "$OldPath exists already: nothing was switched." }
    $moved = $false
    if (Test-Path -LiteralPath $DataPath) { [IO.Directory]::Move($DataPath, $OldPath); $moved = $true }
    try { [IO.Directory]::Move($RestorePath, $DataPath) } catch {
        # The live data goes back where it was before the error is reported.
        if ($moved) { [IO.Directory]::Move($OldPath, $DataPath) }
        throw
    }
}

$transitions = New-Object Collections.ArrayList
$result = @{ phase = $Phase; extracted = 0; transitions = $transitions; final_state = ''; exe_exit_code = $null
    exe_stdout = ''; exe_stderr = ''; restore_log = $null; switched = $false }
if ($Phase -eq 'discard') {
    try {
        foreach ($path in @($RestorePath, $StagingPath)) {
            if ($path -and (Test-Path -LiteralPath $path)) { $Ansible.Changed = $true; Remove-Item -LiteralPath $path -Recurse -Force }
        }
    } catch {
        $Ansible.Result = $result + @{ failure_class = 'mongodb'; message = "Removing $RestorePath failed: $($_.Exception.Message)" }
        $Ansible.Failed = $true
        return
    }
    $result.final_state = (Get-Service -Name $ServiceName).Status.ToString()
    $Ansible.Result = $result
    return
}
$step = 'extract'
try {
    if ($Phase -eq 'restore') {
        $Ansible.Changed = $true
        $result.extracted = Expand-Dump
        Clear-Folder $RestorePath
    }
    $step = 'service stop'
    $t = Set-ServiceTarget $ServiceName 'Stopped' $MaxServiceWait; if ($t) { $null = $transitions.Add($t) }
    $Ansible.Changed = $true
    $step = $Phase
    if ($Phase -eq 'restore') {
        $run = if ($Method -eq 'mongorestore') { Invoke-Mongorestore } else { Invoke-Native $ExePath "emongorestore=$StagingPath,$RestorePath" }
        $result.exe_exit_code = $run.exit_code; $result.exe_stdout = $run.stdout; $result.exe_stderr = $run.stderr
    } else {
        Switch-DataFolder
        $result.switched = $true
    }
} catch {
    $result.failure_class = if ($step -eq 'service stop') { 'service_timeout' } else { 'mongodb' }
    $result.message = "$step failed: $($_.Exception.Message)"
} finally {
    # Always, also after a failed extract or restore: the service comes back on whichever data folder is live.
    try {
        $t = Set-ServiceTarget $ServiceName 'Running' $MaxServiceWait; if ($t) { $null = $transitions.Add($t) }
    } catch {
        $result.failure_class = 'service_timeout'
        $result.message = "$($_.Exception.Message) The service may be down: start it by hand."
    }
}
$result.final_state = (Get-Service -Name $ServiceName).Status.ToString()
if ($Phase -eq 'restore') {
    $log = Join-Path $StagingPath 'mongoRestore.log'
    if (Test-Path -LiteralPath $log) { $result.restore_log = [IO.File]::ReadAllText($log) }
    Remove-Item -LiteralPath $StagingPath -Recurse -Force -ErrorAction SilentlyContinue
}
if ($result.ContainsKey('failure_class')) {
    $Ansible.Result = $result
    $Ansible.Failed = $true
    return
}
$Ansible.Result = $result
