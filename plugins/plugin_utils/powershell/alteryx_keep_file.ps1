# alteryx.server: alteryx_keep_file
# Contract: copies one file out of a folder that is about to be removed (a failed dump's mongoDump.log, before the
#   failure cleanup deletes the staging folder) to Destination, creating Destination's folder; an existing
#   Destination is overwritten. A missing Source is no error: the result says nothing was kept.
#   Parameters: Source, Destination (full file paths).
#   Result: source, path (= Destination), kept (bool), size (bytes of the copy; 0 when nothing was kept).
#   Fails: 'storage' when the folder cannot be created or the file cannot be copied.
[CmdletBinding()]
param([string]$Source, [string]$Destination)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
$result = @{ source = $Source; path = $Destination; kept = $false; size = 0 }
try {
    if (Test-Path -LiteralPath $Source -PathType Leaf) {
        $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($Destination))
        $Ansible.Changed = $true
        [IO.File]::Copy($Source, $Destination, $true)
        $result.kept = $true
        $result.size = (Get-Item -LiteralPath $Destination -Force).Length
    }
} catch {
    $Ansible.Result = $result + @{ failure_class = 'storage'; message = "Cannot copy $Source to $Destination : $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = $result
