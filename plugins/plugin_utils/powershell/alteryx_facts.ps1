# alteryx.server: alteryx_facts
# Contract: read-only inventory of the Alteryx installation on this node (safe in check mode).
#   Parameters: ServiceName (default AlteryxService).
#   Result: computer_name, windows_version (Win32_OperatingSystem Caption), current_user (who the steps run as),
#     is_admin, service {name, state (Win32_Service State, e.g. 'Running', 'Stop Pending'),
#     start_mode, username, path} or $null, install_dir, version (getversion stdout), version_stderr,
#     install_time_utc, default_settings_xml, override_settings_xml ($null if absent or empty), override_path,
#     override_exists, override_empty (exists but holds only whitespace), alteryx_config [{path, last_write_utc}]
#     for both known locations that exist, legacy_settings_present, keys_present, local_time (host clock,
#     yyyy-MM-ddTHH:mm:ss).
#   RuntimeSettings.xml layers: read with BOM detection, parsed here without DTD processing (DtdProcessing
#   Prohibit, no resolver), comments and processing instructions dropped; every element and attribute whose
#   name matches $SecretPattern has its non-blank text replaced by '[redacted on host]', so no secret leaves
#   the node (ANSIBLE_DEBUG=1 prints every raw reply). Returned as the root element's XML text.
#   Fails with failure_class 'validation' when the service is not installed, or a layer declares a DTD or is
#   not well-formed XML (reported by line and position only: the parser's text can quote content).
[CmdletBinding(SupportsShouldProcess)]
param([string]$ServiceName = 'AlteryxService')
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _invoke_native.ps1

$SecretPattern = 'Pass(word|wd|phrase)|Pwd|Secret|Token|Key|Encrypt|Credential|Connection|Certificate|Hash|Salt|Signature'
$Redacted = '[redacted on host]'
function Read-Settings([string]$Path) {
    $options = New-Object Xml.XmlReaderSettings
    $options.DtdProcessing = [Xml.DtdProcessing]::Prohibit
    $options.XmlResolver = $null
    $options.IgnoreComments = $true
    $options.IgnoreProcessingInstructions = $true
    $reader = [Xml.XmlReader]::Create((New-Object IO.StringReader -ArgumentList ([IO.File]::ReadAllText($Path))), $options)
    try { $doc = New-Object Xml.XmlDocument; $doc.Load($reader) } finally { $reader.Close() }
    # Accessor methods: PowerShell's XML adapter lets a child element or attribute named like a property shadow it.
    foreach ($element in @($doc.SelectNodes('//*'))) {
        foreach ($attribute in @($element.get_Attributes())) {
            if ($attribute.get_LocalName() -match $SecretPattern -and $attribute.get_Value().Trim()) { $attribute.set_Value($Redacted) }
        }
        if ($element.get_LocalName() -match $SecretPattern -and $element.get_InnerText().Trim()) { $element.set_InnerText($Redacted) }
    }
    $doc.get_DocumentElement().get_OuterXml()
}

$svc = Get-CimInstance -ClassName Win32_Service -Filter "Name='$ServiceName'"
if (-not $svc) {
    $Ansible.Result = @{ failure_class = 'validation'; message = "Service $ServiceName is not installed on $env:COMPUTERNAME; is this an Alteryx Server node?" }
    $Ansible.Failed = $true
    return
}
$exe = $svc.PathName.Trim('"')
$installDir = Split-Path -Parent (Split-Path -Parent $exe)
$dataDir = Join-Path $env:ProgramData 'Alteryx'
$override = Join-Path $dataDir 'RuntimeSettings.xml'
$overrideExists = Test-Path -LiteralPath $override
$overrideEmpty = $overrideExists -and -not [IO.File]::ReadAllText($override).Trim()
$layer = Join-Path $installDir 'bin\RuntimeData\RuntimeSettings.xml'
try {
    $defaultXml = Read-Settings $layer
    $layer = $override
    $overrideXml = if ($overrideExists -and -not $overrideEmpty) { Read-Settings $override } else { $null }
} catch [Xml.XmlException] {
    # Only the position of a syntax error: XmlException's text can quote a fragment of the (secret) content.
    $xmlError = $_.Exception.GetBaseException()
    $why = if ($xmlError.Message -match '\bDTD\b') { 'it declares a DTD (<!DOCTYPE ...>), which is refused: no entity expansion or external entities are processed' } else { "it is not well-formed XML (line $($xmlError.LineNumber), position $($xmlError.LinePosition))" }
    $Ansible.Result = @{ failure_class = 'validation'; message = "Cannot read RuntimeSettings.xml layer $layer safely: $why" }
    $Ansible.Failed = $true
    return
}
$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
$configs = New-Object Collections.ArrayList
foreach ($rel in 'bin\server\config\alteryx.config', 'bin\config\alteryx.config') {
    $path = Join-Path $installDir $rel
    if (Test-Path -LiteralPath $path) { $null = $configs.Add(@{ path = $path; last_write_utc = (Get-Item -LiteralPath $path -Force).LastWriteTimeUtc.ToString('o') }) }
}
$version = Invoke-Native $exe 'getversion'
$Ansible.Result = @{
    computer_name = $env:COMPUTERNAME
    windows_version = [string](Get-CimInstance -ClassName Win32_OperatingSystem).Caption
    current_user = [Security.Principal.WindowsIdentity]::GetCurrent().Name
    is_admin = $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)
    service = @{ name = $svc.Name; state = $svc.State; start_mode = $svc.StartMode; username = $svc.StartName; path = $exe }
    install_dir = $installDir
    version = $version.stdout.Trim()
    version_stderr = $version.stderr
    install_time_utc = (Get-Item -LiteralPath $exe -Force).LastWriteTimeUtc.ToString('o')
    default_settings_xml = $defaultXml
    override_settings_xml = $overrideXml
    override_path = $override
    override_exists = $overrideExists
    override_empty = $overrideEmpty
    alteryx_config = $configs
    legacy_settings_present = Test-Path -LiteralPath (Join-Path $dataDir 'RuntimeSettings.22_2_legacy.xml')
    keys_present = Test-Path -LiteralPath (Join-Path $dataDir 'Keys')
    local_time = (Get-Date).ToString('yyyy-MM-ddTHH:mm:ss')
}
