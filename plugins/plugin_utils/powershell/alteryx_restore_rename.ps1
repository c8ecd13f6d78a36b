# alteryx.server: alteryx_restore_rename
# Contract: reads and rewrites the text of named elements of the override RuntimeSettings.xml, keeping every other
#   byte of the file as it was (its encoding included): the file is decoded as UTF-16 when it starts with a UTF-16
#   byte order mark, else as Latin-1 (one char per byte, so UTF-8, UTF-8 with BOM and ANSI files come back byte for
#   byte); element text is matched raw (no entity decoding). The controller decides the new text.
#   Parameters: Phase ('read' or 'write'), Path, Names (read: 'Section/Element' names), Find (read: a host name),
#     Edits (write: [{name, old, new}]).
#   Phase 'read' result: values [{name, value ($null when the section or element is absent or empty)}], mentions
#     (names of the elements whose text contains Find, case-insensitively; never one whose name matches the secret
#     pattern, and never their text).
#   Phase 'write' result: path, sha256, edited (names). The file is written through '<Path>.tmp' and a rename.
#   Fails: 'validation' when an element to write is missing or its text is no longer 'old' (nothing written),
#     'storage' when the file cannot be read or written.
[CmdletBinding()]
param([string]$Phase, [string]$Path, [string[]]$Names = @(), [string]$Find = '', [object[]]$Edits = @())
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _step_error.ps1
$SecretPattern = 'Pass(word|wd|phrase)|Pwd|Secret|Token|Key|Encrypt|Credential|Connection|Certificate|Hash|Salt|Signature'

function Get-TextEncoding([byte[]]$Bytes) {
    if ($Bytes.Length -ge 2 -and $Bytes[0] -eq 0xFF -and $Bytes[1] -eq 0xFE) { return [Text.Encoding]::Unicode }
    if ($Bytes.Length -ge 2 -and $Bytes[0] -eq 0xFE -and $Bytes[1] -eq 0xFF) { return [Text.Encoding]::BigEndianUnicode }
    [Text.Encoding]::GetEncoding(28591)
}

function Find-Element([string]$Text, [string]$Name) {
    # Names are checked by the controller (letters, digits, underscores): no regex metacharacters.
    $section, $element = $Name.Split('/')
    $outer = [regex]::Match($Text, "(?s)<$section(?:\s[^>]*)?>(.*?)</$section>")
    if (-not $outer.Success) { return $null }
    $inner = [regex]::Match($outer.Groups[1].Value, "<$element(?:\s[^>]*)?>([^<]*)</$element>")
    if (-not $inner.Success) { return $null }
    @{ index = $outer.Groups[1].Index + $inner.Groups[1].Index; value = $inner.Groups[1].Value }
}

try {
    $bytes = [IO.File]::ReadAllBytes($Path)
    $encoding = Get-TextEncoding $bytes
    $text = $encoding.GetString($bytes)
    if ($Phase -eq 'read') {
        $values = New-Object Collections.ArrayList
        foreach ($name in @($Names)) {
            $found = Find-Element $text $name
            $value = $null
            if ($null -ne $found -and $found.value) { $value = $found.value }
            $null = $values.Add(@{ name = $name; value = $value })
        }
        $mentions = New-Object Collections.ArrayList
        if ($Find) {
            foreach ($m in [regex]::Matches($text, '<([A-Za-z_][\w.-]*)(?:\s[^>]*)?>([^<]*)</\1>')) {
                $element = $m.Groups[1].Value
                if ($element -match $SecretPattern) { continue }
                if ($m.Groups[2].Value.IndexOf($Find, [StringComparison]::OrdinalIgnoreCase) -ge 0 -and -not $mentions.Contains($element)) {
                    $null = $mentions.Add($element)
                }
            }
        }
        $Ansible.Result = @{ values = $values; mentions = $mentions }
        return
    }
    $edited = New-Object Collections.ArrayList
    foreach ($edit in @($Edits)) {
        $found = Find-Element $text $edit.name
        if ($null -eq $found -or $found.value -cne $edit.old) {
            throw (New-StepError 'validation' "$($edit.name) in $Path is not what was read a moment ago: nothing was written.")
        }
        $text = $text.Substring(0, $found.index) + $edit.new + $text.Substring($found.index + $found.value.Length)
        $null = $edited.Add($edit.name)
    }
    $Ansible.Changed = $true
    [IO.File]::WriteAllBytes("$Path.tmp", $encoding.GetBytes($text))
    Move-Item -LiteralPath "$Path.tmp" -Destination $Path -Force
    $Ansible.Result = @{ path = $Path; sha256 = (Get-FileHash -LiteralPath $Path -Algorithm SHA256).Hash.ToLower(); edited = $edited }
} catch {
    if (Test-Path -LiteralPath "$Path.tmp") { Remove-Item -LiteralPath "$Path.tmp" -Force -ErrorAction SilentlyContinue }
    $Ansible.Result = @{ failure_class = (Get-FailureClass $_ 'storage'); message = "Cannot rename the host in $Path : $($_.Exception.Message)" }
    $Ansible.Failed = $true
}
