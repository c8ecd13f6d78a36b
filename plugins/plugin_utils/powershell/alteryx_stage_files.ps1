# alteryx.server: alteryx_stage_files
# Contract: copies the node's critical files into the staging folder (structure preserved, hidden and system
#   files included) and hashes them; optionally exports the controller token and embedded MongoDB passwords
#   straight into files under Secrets\ - their values never reach the result, output or any log.
#   Parameters: StagingPath, Items [{source, dest (relative path in staging), required (bool)}],
#     ExportSecrets (bool), ExePath, RecipientPem (PEM text of an RSA X.509 certificate, or '').
#   With RecipientPem each secret is encrypted in memory and only Secrets\<name>.cms is written: PEM
#     '-----BEGIN CMS-----' of a DER CMS EnvelopedData (.NET EnvelopedCms: AES-256-CBC, RSA PKCS#1 v1.5 key transport,
#     recipient by issuer and serial number) - the plaintext never touches the disk. Without it Secrets\<name>.txt
#     holds the plaintext (the controller allows that only when the user asked for it).
#   RunLogPath, RunLogText: the run log's pending lines, appended first (Add-RunLog, best effort).
#   Result: files [{archive_path, source_path ('' for an exported secret), size, sha256, category,
#     last_modified (the source's last write time, UTC 'yyyy-MM-ddTHH:mm:ssZ'; for a secret, when it was written)}],
#     directories [{archive_path, source_path, file_count, total_bytes}] (one per folder item), missing [{source,
#     required}], server_secret_exported (bool), mongo_passwords_exported (bool).
#   Fails: 'validation' (a required item vanished since preflight, RecipientPem is not a usable certificate),
#     'storage' (copy failed).
[CmdletBinding()]
param([string]$StagingPath, [object[]]$Items = @(), [bool]$ExportSecrets = $false, [string]$ExePath = '', [string]$RecipientPem = '', [string]$RunLogPath = '', [string]$RunLogText = '')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1
#include _invoke_native.ps1
#include _run_log.ps1
Add-RunLog $RunLogPath $RunLogText

$files = New-Object Collections.ArrayList
$directories = New-Object Collections.ArrayList
$missing = New-Object Collections.ArrayList
$exported = @{ server_secret_exported = $false; mongo_passwords_exported = $false }
$invariant = [Globalization.CultureInfo]::InvariantCulture
function Add-Staged([string]$Source, [string]$Dest, [string]$Category) {
    $target = Join-Path $StagingPath $Dest
    $null = New-Item -ItemType Directory -Force -Path ([IO.Path]::GetDirectoryName($target))
    if ($Source) { Copy-Item -LiteralPath $Source -Destination $target -Force; $written = (Get-Item -LiteralPath $Source -Force).LastWriteTimeUtc }
    else { $written = (Get-Item -LiteralPath $target -Force).LastWriteTimeUtc }
    $item = Get-Item -LiteralPath $target -Force
    $null = $files.Add(@{ archive_path = $Dest.Replace('\', '/'); source_path = $Source; size = $item.Length; category = $Category
        sha256 = (Get-FileHash -LiteralPath $target -Algorithm SHA256).Hash.ToLower()
        last_modified = $written.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", $invariant) })
}
function Get-Recipient {
    # .NET directly, not Protect-CmsMessage: its default cipher depends on the .NET Framework version.
    Add-Type -AssemblyName System.Security
    if ($RecipientPem -notmatch '-----BEGIN CERTIFICATE-----([^-]*)-----END CERTIFICATE-----') {
        throw (New-StepError 'validation' 'RecipientPem holds no PEM certificate (-----BEGIN CERTIFICATE-----).')
    }
    try {
        $der = [Convert]::FromBase64String($Matches[1])
        New-Object Security.Cryptography.X509Certificates.X509Certificate2 (,$der)
    } catch { throw (New-StepError 'validation' "RecipientPem is not a usable certificate: $($_.Exception.Message)") }
}
function Protect-Secret([string]$Text, $Recipient) {
    $content = New-Object Security.Cryptography.Pkcs.ContentInfo (,[Text.Encoding]::UTF8.GetBytes($Text))
    $aes256 = New-Object Security.Cryptography.Pkcs.AlgorithmIdentifier (New-Object Security.Cryptography.Oid '2.16.840.1.101.3.4.1.42')
    $cms = New-Object Security.Cryptography.Pkcs.EnvelopedCms ($content, $aes256)
    try { $cms.Encrypt((New-Object Security.Cryptography.Pkcs.CmsRecipient $Recipient)) }
    catch { throw (New-StepError 'validation' "Cannot encrypt to the RecipientPem certificate: $($_.Exception.Message)") }
    "-----BEGIN CMS-----`r`n" + [Convert]::ToBase64String($cms.Encode(), 'InsertLineBreaks') + "`r`n-----END CMS-----`r`n"
}
function Export-Secret([string]$Verb, [string]$Name, [string]$MustContain, $Recipient) {
    $run = Invoke-Native $ExePath $Verb
    if ($run.stdout -notmatch $MustContain) { return $false }
    if ($Recipient) { $fileName = "$Name.cms"; $text = Protect-Secret $run.stdout.Trim() $Recipient }
    else { $fileName = "$Name.txt"; $text = $run.stdout.Trim() }
    [IO.File]::WriteAllText((Join-Path (Join-Path $StagingPath 'Secrets') $fileName), $text)
    Add-Staged '' "Secrets\$fileName" 'secret'
    $true
}
try {
    $Ansible.Changed = $true
    foreach ($entry in @($Items)) {
        if (-not (Test-Path -LiteralPath $entry.source)) {
            if ($entry.required) { throw (New-StepError 'validation' "Required item $($entry.source) is missing.") }
            $null = $missing.Add(@{ source = $entry.source; required = $false }); continue
        }
        $item = Get-Item -LiteralPath $entry.source -Force
        if ($item.PSIsContainer) {
            $root = $item.FullName.TrimEnd('\') + '\'
            $count = 0; $bytes = 0
            foreach ($f in Get-ChildItem -LiteralPath $item.FullName -Recurse -File -Force) {
                Add-Staged $f.FullName (Join-Path $entry.dest $f.FullName.Substring($root.Length)) 'config'
                $count++; $bytes += $f.Length
            }
            $null = $directories.Add(@{ archive_path = $entry.dest.Replace('\', '/'); source_path = $entry.source
                file_count = $count; total_bytes = $bytes })
        } else { Add-Staged $entry.source $entry.dest 'config' }
    }
    if ($ExportSecrets) {
        $recipient = $null
        if ($RecipientPem) { $recipient = Get-Recipient }
        $null = New-Item -ItemType Directory -Force -Path (Join-Path $StagingPath 'Secrets')
        $exported.server_secret_exported = Export-Secret 'getserversecret' 'ControllerToken' '\S' $recipient
        $exported.mongo_passwords_exported = Export-Secret 'getemongopassword' 'MongoPasswords' 'Admin' $recipient
    }
} catch {
    $Ansible.Result = @{ failure_class = (Get-FailureClass $_ 'storage'); message = "Cannot stage critical files: $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$Ansible.Result = @{ files = $files; directories = $directories; missing = $missing
    server_secret_exported = $exported.server_secret_exported
    mongo_passwords_exported = $exported.mongo_passwords_exported }
