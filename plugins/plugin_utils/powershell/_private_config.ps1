# alteryx.server: _private_config
# Contract: shared functions, inlined by the controller where a script has '#include _private_config.ps1'.
#   New-PrivateFolder -Prefix: a new folder '<Prefix><guid>' under $env:TEMP, created with its ACL in one call:
#     inheritance removed, FullControl for the current user and Administrators only. Returns its path.
#   Write-PasswordConfig -Path -Secret: a MongoDB Database Tools --config YAML file ("password: '<text>'") from a
#     [SecureString]; its text exists only as a BSTR copy, zeroed and freed at once. The caller deletes the folder
#     in 'finally'.
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function New-PrivateFolder([string]$Prefix) {
    # Created with its ACL in one call, so the password file is never readable by anyone else, not even briefly.
    $acl = New-Object Security.AccessControl.DirectorySecurity
    $acl.SetAccessRuleProtection($true, $false)
    $inherit = [Security.AccessControl.InheritanceFlags]'ContainerInherit, ObjectInherit'
    $admins = New-Object Security.Principal.SecurityIdentifier 'S-1-5-32-544'
    foreach ($sid in @([Security.Principal.WindowsIdentity]::GetCurrent().User, $admins)) {
        $acl.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule $sid, 'FullControl', $inherit, 'None', 'Allow'))
    }
    $folder = Join-Path $env:TEMP ($Prefix + [guid]::NewGuid().ToString('N'))
    $null = [IO.Directory]::CreateDirectory($folder, $acl)
    $folder
}

function Write-PasswordConfig([string]$Path, [Security.SecureString]$Secret) {
    # The only place the password is text: a BSTR copy, zeroed and freed at once, straight into the private file.
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secret)
    try {
        $text = [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr)
        [IO.File]::WriteAllText($Path, "password: '" + $text.Replace("'", "''") + "'`n")
    } finally {
        [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr)
    }
}
