# alteryx.server: _zip_manifest
# Contract: shared function, inlined by the controller where a script has '#include _zip_manifest.ps1'.
#   Loads System.IO.Compression(.FileSystem). Test-ZipManifest -Path: $true when the zip's central directory has a
#   BackupManifest.json entry; $false when it has none or cannot be read (any error of OpenRead). Never throws.
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName System.IO.Compression
Add-Type -AssemblyName System.IO.Compression.FileSystem

function Test-ZipManifest([string]$Path) {
    try {
        $zip = [IO.Compression.ZipFile]::OpenRead($Path)
        try { return ($null -ne $zip.GetEntry('BackupManifest.json')) } finally { $zip.Dispose() }
    } catch { return $false }
}
