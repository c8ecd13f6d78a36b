# alteryx.server: alteryx_restore_secret
# Contract: gives the node the controller token of an archive, with 'AlteryxService.exe setserversecret=<token>'
#   (the role stops the service first). The token text never leaves the node and never reaches the result.
#   Parameters: Phase, Archive (full path of the zip), Entry (zip entry of the token), ExePath, Token.
#   Phase 'read': the Entry's bytes, base64 (an encrypted .cms token, which only the controller can decrypt).
#     Result: entry, content_base64, size.
#   Phase 'set': the token is Token ([SecureString], win_powershell sensitive_parameters) when given, else the text
#     of Entry in the archive (a plaintext ControllerToken.txt, UTF-8, trimmed). The text lives only in a BSTR
#     copy (zeroed and freed at once) and the command line of the program.
#     Result: exit_code, stdout (with the token, should the program echo it, replaced by '********'), length.
#   Fails: 'validation' when the entry is missing or the token is empty or not one word (nothing run),
#     'general' when the program cannot be run.
[CmdletBinding()]
param([string]$Phase, [string]$Archive, [string]$Entry, [string]$ExePath, [SecureString]$Token = $null)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1
#include _invoke_native.ps1

function Read-Entry([string]$Path, [string]$Name) {
    Add-Type -AssemblyName System.IO.Compression.FileSystem
    $zip = [IO.Compression.ZipFile]::OpenRead($Path)
    try {
        $item = $zip.GetEntry($Name)
        if ($null -eq $item) { throw (New-StepError 'validation' "$Name is not in $Path.") }
        $stream = $item.Open()
        $buffer = New-Object IO.MemoryStream
        try { $stream.CopyTo($buffer) } finally { $stream.Dispose() }
        , $buffer.ToArray()
    } finally { $zip.Dispose() }
}

try {
    if ($Phase -eq 'read') {
        $bytes = Read-Entry $Archive $Entry
        $Ansible.Result = @{ entry = $Entry; content_base64 = [Convert]::ToBase64String($bytes); size = $bytes.Length }
        return
    }
    if ($null -ne $Token) {
        # The only place the token is text: a BSTR copy, zeroed and freed at once.
        $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Token)
        try { $text = [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr) }
        finally { [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr) }
    } else {
        $text = [Text.Encoding]::UTF8.GetString((Read-Entry $Archive $Entry)).Trim()
    }
    if (-not $text -or $text -match '\s') {
        throw (New-StepError 'validation' "The controller token of $Entry is empty or not one word: nothing was set.")
    }
    $Ansible.Changed = $true
    $run = Invoke-Native $ExePath "setserversecret=$text"
    $Ansible.Result = @{ exit_code = $run.exit_code; stdout = $run.stdout.Replace($text, '********'); length = $text.Length }
} catch {
    $Ansible.Result = @{ failure_class = (Get-FailureClass $_ 'general'); message = "Cannot set the controller token: $($_.Exception.Message)" }
    $Ansible.Failed = $true
} finally {
    $text = $null
}
