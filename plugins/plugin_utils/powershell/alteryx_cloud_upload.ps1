# alteryx.server: alteryx_cloud_upload
# Contract: PUTs byte ranges of one local file (a published archive or its sidecar) to the short-lived URLs the
#   controller made (pre-signed S3 UploadPart URLs, Azure SAS URLs); the host never sees a cloud credential.
#   PartsJson is a [SecureString] (win_powershell sensitive_parameters: kept out of the module's invocation and out
#   of an async job's results file) holding JSON [{number, offset, length, url, headers}]; the URLs' query strings
#   carry signatures, so no URL is ever written to the result, a log or an error message.
#   Per part: the MD5 of the range (read in 1 MiB blocks), then one System.Net.HttpWebRequest PUT with
#   ContentLength, Content-MD5 (base64), the part's headers, Timeout/ReadWriteTimeout = TimeoutSeconds, the body
#   streamed from the file (no write buffering); TLS 1.2 is enabled for https. A try that failed without an answer
#   (connection refused/closed, timeout) or with HTTP 5xx/408/429 is repeated up to Retries more times,
#   RetryDelay seconds apart; any other HTTP error (an expired URL, a bad digest) is reported at once - the
#   controller decides (fresh URLs, another round).
#   Parameters: Path, PartsJson ([SecureString]), TimeoutSeconds, Retries, RetryDelay; RunLogPath, RunLogText
#   (the run log's pending lines, appended first).
#   Result: path, size (bytes of Path), parts [{number, ok, status (HTTP status, 0 without an answer), etag (as the
#     service sent it), md5_base64, attempts, error ('' when ok; the HTTP status and the service's error Code and
#     Message from its XML body, or the exception's message)}].
#   Fails: 'storage' when Path cannot be opened or is shorter than a part needs; 'validation' when PartsJson is
#     missing or not a JSON list of parts.
[CmdletBinding()]
param(
    [string]$Path, [SecureString]$PartsJson = $null, [int]$TimeoutSeconds = 300, [int]$Retries = 2,
    [int]$RetryDelay = 5, [string]$RunLogPath = '', [string]$RunLogText = ''
)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
#include _run_log.ps1
Add-RunLog $RunLogPath $RunLogText

function Read-Secret([Security.SecureString]$Secret) {
    # The URLs are text only here, through a BSTR zeroed and freed at once.
    $bstr = [Runtime.InteropServices.Marshal]::SecureStringToBSTR($Secret)
    try {
        [Runtime.InteropServices.Marshal]::PtrToStringBSTR($bstr)
    } finally {
        [Runtime.InteropServices.Marshal]::ZeroFreeBSTR($bstr)
    }
}

function Copy-Range([IO.FileStream]$Stream, [long]$Offset, [long]$Length, $Target) {
    # Target: an MD5 transform (hashing) or a request stream (sending); the same 1 MiB blocks either way.
    $buffer = New-Object byte[] 1048576
    $null = $Stream.Seek($Offset, [IO.SeekOrigin]::Begin)
    $left = $Length
    while ($left -gt 0) {
        $read = $Stream.Read($buffer, 0, [int][Math]::Min([long]$buffer.Length, $left))
        if ($read -le 0) { throw "$Path ends before byte $($Offset + $Length)" }
        if ($Target -is [Security.Cryptography.HashAlgorithm]) {
            $null = $Target.TransformBlock($buffer, 0, $read, $null, 0)
        } else {
            $Target.Write($buffer, 0, $read)
        }
        $left -= $read
    }
}

function Get-RangeMd5([IO.FileStream]$Stream, [long]$Offset, [long]$Length) {
    $md5 = [Security.Cryptography.MD5]::Create()
    try {
        Copy-Range $Stream $Offset $Length $md5
        $null = $md5.TransformFinalBlock((New-Object byte[] 0), 0, 0)
        [Convert]::ToBase64String($md5.Hash)
    } finally {
        $md5.Dispose()
    }
}

function Get-SendError([Exception]$Failure) {
    # PowerShell wraps what a .NET method throws in a MethodInvocationException: judge the exception inside.
    # Status and the service's <Code>/<Message>; never the request's URL (its query string is the signature).
    if ($Failure -is [Management.Automation.MethodInvocationException] -and $null -ne $Failure.InnerException) {
        $Failure = $Failure.InnerException
    }
    if ($Failure -isnot [Net.WebException]) {
        # A connection dropped while the body was written is an IOException: worth another try.
        return @{ status = 0; retry = ($Failure -is [IO.IOException]); text = [string]$Failure.Message }
    }
    $response = $Failure.Response
    if ($null -eq $response) {
        return @{ status = 0; retry = $true; text = [string]$Failure.Message }
    }
    $status = [int]$response.StatusCode
    $text = "HTTP $status"
    try {
        $reader = New-Object IO.StreamReader($response.GetResponseStream())
        try { $body = $reader.ReadToEnd() } finally { $reader.Dispose() }
        $code = [regex]::Match($body, '<Code>([^<]*)</Code>')
        $message = [regex]::Match($body, '<Message>([^<]*)</Message>')
        if ($code.Success) { $text += ' ' + $code.Groups[1].Value }
        if ($message.Success) { $text += ': ' + $message.Groups[1].Value }
    } catch {
        $text += " (error body unreadable: $($_.Exception.Message))"
    } finally {
        $response.Close()
    }
    @{ status = $status; retry = ($status -ge 500 -or $status -eq 408 -or $status -eq 429); text = $text }
}

function Send-Part([IO.FileStream]$Stream, $Part, [string]$Md5) {
    $request = [Net.HttpWebRequest][Net.WebRequest]::Create([string]$Part.url)
    $request.Method = 'PUT'
    $request.ContentLength = [long]$Part.length
    $request.Timeout = $TimeoutSeconds * 1000
    $request.ReadWriteTimeout = $TimeoutSeconds * 1000
    $request.AllowWriteStreamBuffering = $false
    $request.Headers.Add('Content-MD5', $Md5)
    if ($null -ne $Part.headers) {
        foreach ($header in $Part.headers.PSObject.Properties) { $request.Headers.Add($header.Name, [string]$header.Value) }
    }
    $body = $request.GetRequestStream()
    try {
        Copy-Range $Stream ([long]$Part.offset) ([long]$Part.length) $body
    } finally {
        $body.Dispose()
    }
    $response = [Net.HttpWebResponse]$request.GetResponse()
    try {
        @{ status = [int]$response.StatusCode; etag = [string]$response.Headers['ETag'] }
    } finally {
        $response.Close()
    }
}

$result = @{ path = $Path; size = 0; parts = @() }
if ($null -eq $PartsJson) {
    $Ansible.Result = $result + @{ failure_class = 'validation'; message = 'PartsJson (the part URLs) is missing' }
    $Ansible.Failed = $true
    return
}
try {
    # Not @(ConvertFrom-Json ...): 5.1 writes a JSON array as ONE object, which @() would wrap in another array.
    $parts = ConvertFrom-Json -InputObject (Read-Secret $PartsJson)
} catch {
    $Ansible.Result = $result + @{ failure_class = 'validation'; message = "PartsJson is not a JSON list of parts: $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
# No 'Expect: 100-continue' round trip: some S3-compatible services answer it badly, and the body goes anyway.
[Net.ServicePointManager]::Expect100Continue = $false
try {
    $stream = New-Object IO.FileStream($Path, [IO.FileMode]::Open, [IO.FileAccess]::Read, [IO.FileShare]::Read)
} catch {
    $Ansible.Result = $result + @{ failure_class = 'storage'; message = "Cannot open $Path : $($_.Exception.Message)" }
    $Ansible.Failed = $true
    return
}
$reports = New-Object Collections.ArrayList
try {
    $result.size = $stream.Length
    foreach ($part in $parts) {
        if ([long]$part.offset + [long]$part.length -gt $stream.Length) {
            $Ansible.Result = $result + @{ parts = @($reports); failure_class = 'storage'
                message = "$Path is $($stream.Length) bytes, shorter than part $($part.number) needs" }
            $Ansible.Failed = $true
            return
        }
        $md5 = Get-RangeMd5 $stream ([long]$part.offset) ([long]$part.length)
        $report = @{ number = [int]$part.number; ok = $false; status = 0; etag = ''; md5_base64 = $md5; attempts = 0; error = '' }
        while ($true) {
            $report.attempts++
            try {
                $answer = Send-Part $stream $part $md5
                $report.ok = $true
                $report.status = $answer.status
                $report.etag = $answer.etag
                $report.error = ''
                $Ansible.Changed = $true
                break
            } catch {
                $failure = Get-SendError $_.Exception
                $report.status = $failure.status
                $report.error = $failure.text
                if (-not $failure.retry -or $report.attempts -gt $Retries) { break }
            }
            Start-Sleep -Seconds $RetryDelay
        }
        $null = $reports.Add($report)
    }
} finally {
    $stream.Dispose()
}
$result.parts = @($reports)
$Ansible.Result = $result
