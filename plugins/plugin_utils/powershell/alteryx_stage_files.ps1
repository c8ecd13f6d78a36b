# alteryx.server: alteryx_stage_files
# Contract: copies the node's critical files into the staging folder (structure preserved) and hashes them;
#   optionally exports the controller token and embedded MongoDB passwords straight into files under
#   Secrets\ - their values never reach the result, output or any log.
#   Parameters: StagingPath, Items [{source, dest (relative path in staging), required (bool)}],
#     ExportSecrets (bool), ExePath.
#   Result: files [{archive_path, source_path, size, sha256, category}], missing [{source, required}],
#     secrets_exported {server_secret (bool), mongo_passwords (bool)}.
#   Fails: 'validation' (a required item vanished since preflight), 'storage' (copy failed).
param([string]$StagingPath, [object[]]$Items = @(), [bool]$ExportSecrets = $false, [string]$ExePath = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
trap {
    $Ansible.Result = @{ failure_class = 'storage'; message = "Cannot stage critical files: $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$files = New-Object Collections.ArrayList
$missing = New-Object Collections.ArrayList
function Add-Staged([string]$Source, [string]$Dest, [string]$Category) {
    $target = Join-Path $StagingPath $Dest
    $null = New-Item -ItemType Directory -Force -Path (Split-Path -Parent $target)
    if ($Source) { Copy-Item -LiteralPath $Source -Destination $target -Force }
    $item = Get-Item -LiteralPath $target
    $null = $files.Add(@{ archive_path = $Dest.Replace('\', '/'); source_path = $Source; size = $item.Length; category = $Category
        sha256 = (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash.ToLower() })
}
foreach ($entry in $Items) {
    if (-not (Test-Path -LiteralPath $entry.source)) {
        if ($entry.required) {
            $Ansible.Result = @{ failure_class = 'validation'; message = "Required item $($entry.source) is missing." }
            $Ansible.Failed = $true
            return
        }
        $null = $missing.Add(@{ source = $entry.source; required = $false }); continue
    }
    if (Test-Path -LiteralPath $entry.source -PathType Container) {
        $root = (Resolve-Path -LiteralPath $entry.source).Path.TrimEnd('\') + '\'
        foreach ($f in Get-ChildItem -LiteralPath $entry.source -Recurse -File) {
            Add-Staged $f.FullName (Join-Path $entry.dest $f.FullName.Substring($root.Length)) 'config'
        }
    } else { Add-Staged $entry.source $entry.dest 'config' }
}
$exported = @{ server_secret = $false; mongo_passwords = $false }
if ($ExportSecrets) {
    $secretDir = Join-Path $StagingPath 'Secrets'
    $null = New-Item -ItemType Directory -Force -Path $secretDir
    [IO.File]::WriteAllText((Join-Path $secretDir 'ControllerToken.txt'), ((& $ExePath getserversecret) | Out-String).Trim())
    Add-Staged '' 'Secrets\ControllerToken.txt' 'secret'; $exported.server_secret = $true
    $passwords = (& $ExePath getemongopassword) | Out-String
    if ($passwords -match 'Admin') {
        [IO.File]::WriteAllText((Join-Path $secretDir 'MongoPasswords.txt'), $passwords.Trim())
        Add-Staged '' 'Secrets\MongoPasswords.txt' 'secret'; $exported.mongo_passwords = $true
    }
}
$Ansible.Changed = $true
$Ansible.Result = @{ files = @($files); missing = @($missing); secrets_exported = $exported }
