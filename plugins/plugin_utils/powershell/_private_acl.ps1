# alteryx.server: _private_acl
# Contract: shared functions, inlined by the controller where a script has '#include _private_acl.ps1'. What a run
#   writes on the node - staging folder, archives, sidecars, manifest copies, host log - is for BUILTIN\Administrators,
#   NT AUTHORITY\SYSTEM and the account the run uses only (REQ-SEC-7/8). Network destinations are never touched: they
#   keep the share's permissions (REQ-SEC-6).
#   New-RestrictedAcl -Directory: a new DirectorySecurity (-Directory; its rules are inherited by every file and folder
#     below) or FileSecurity: inheritance from the parent removed without copying its rules
#     (SetAccessRuleProtection($true, $false)), FullControl for Administrators, SYSTEM and the current user.
#   Set-RestrictedAcl -Path: replaces the DACL of an existing file or folder ([IO.File] / [IO.Directory]
#     ::SetAccessControl). Throws on a missing item and on a volume without security (FAT32, exFAT).
#   New-RestrictedFolder -Path: creates the folder and every missing parent with that ACL in one call
#     ([IO.Directory]::CreateDirectory(path, acl)), then sets it once more (a FAT volume drops the ACL of
#     CreateDirectory silently; this makes it fail instead). Returns $true when it created the folder, $false when it
#     existed: an existing folder keeps its ACL (that overload ignores the ACL for it), the caller decides.
#   New-RestrictedFile -Path: the file emptied or created, its ACL set before the caller writes a byte into it
#     (writing into an existing file keeps its ACL).
#   New-RestrictedLog -Path: the host log's folder (New-RestrictedFolder) and, when the log does not exist yet,
#     the log itself (New-RestrictedFile); an existing log keeps its ACL.
#   Format-RestrictedAclError -Path -Problem: the message of a failure to restrict Path (Problem: the error record).
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'

function New-RestrictedAcl([switch]$Directory) {
    if ($Directory) {
        $acl = New-Object Security.AccessControl.DirectorySecurity
        $inherit = [Security.AccessControl.InheritanceFlags]'ContainerInherit, ObjectInherit'
    } else {
        $acl = New-Object Security.AccessControl.FileSecurity
        $inherit = [Security.AccessControl.InheritanceFlags]::None
    }
    $acl.SetAccessRuleProtection($true, $false)
    $sids = @((New-Object Security.Principal.SecurityIdentifier 'S-1-5-32-544'),
        (New-Object Security.Principal.SecurityIdentifier 'S-1-5-18'), [Security.Principal.WindowsIdentity]::GetCurrent().User)
    foreach ($sid in $sids) {
        $acl.AddAccessRule((New-Object Security.AccessControl.FileSystemAccessRule $sid, 'FullControl', $inherit, 'None', 'Allow'))
    }
    $acl
}

function Set-RestrictedAcl([string]$Path) {
    if (Test-Path -LiteralPath $Path -PathType Container) {
        [IO.Directory]::SetAccessControl($Path, (New-RestrictedAcl -Directory))
    } else {
        [IO.File]::SetAccessControl($Path, (New-RestrictedAcl))
    }
}

function New-RestrictedFolder([string]$Path) {
    if (Test-Path -LiteralPath $Path -PathType Container) { return $false }
    $null = [IO.Directory]::CreateDirectory($Path, (New-RestrictedAcl -Directory))
    Set-RestrictedAcl $Path
    return $true
}

function New-RestrictedFile([string]$Path) {
    [IO.File]::WriteAllBytes($Path, [byte[]]@())
    Set-RestrictedAcl $Path
}

function New-RestrictedLog([string]$Path) {
    $null = New-RestrictedFolder ([IO.Path]::GetDirectoryName($Path))
    if (-not (Test-Path -LiteralPath $Path)) { New-RestrictedFile $Path }
}

function Format-RestrictedAclError([string]$Path, $Problem) {
    "Cannot limit access to $Path to Administrators, SYSTEM and $([Security.Principal.WindowsIdentity]::GetCurrent().Name): " +
        "$($Problem.Exception.Message) Keep the backup, temp and log folders on an NTFS volume, or set alteryx_backup_restrict_acls to false."
}
