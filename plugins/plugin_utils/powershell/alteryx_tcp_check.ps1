# alteryx.server: alteryx_tcp_check
# Contract: read-only (safe in check mode) - tries one TCP connection from this node to Address:Port within
#   TimeoutMs, so a self-managed MongoDB is known to be reachable from the node before anything is stopped.
#   Parameters: Address (host name, IPv4, or IPv6 with or without [brackets]), Port, TimeoutMs (default 5000).
#   An IP literal gets a socket of its own family; a host name an IPv4 socket (TcpClient's default), so a name
#   that resolves to IPv6 only is unreachable here.
#   Result: address, port, reachable (bool), elapsed_ms, error (the socket's message; '' when reachable).
#   An unreachable port is a result, not a failure: the controller words the message.
#   Fails: 'validation' when Port is not 1-65535 or TimeoutMs is not positive.
[CmdletBinding(SupportsShouldProcess)]
param([string]$Address, [int]$Port, [int]$TimeoutMs = 5000)
Set-StrictMode -Version 2.0
$ErrorActionPreference = 'Stop'
$Ansible.Changed = $false
if ($Port -lt 1 -or $Port -gt 65535 -or $TimeoutMs -lt 1) {
    $Ansible.Result = @{ failure_class = 'validation'; message = "TCP check of ${Address}:$Port needs a port 1-65535 and a positive timeout (got $TimeoutMs ms)" }
    $Ansible.Failed = $true
    return
}
$target = $Address.Trim().TrimStart('[').TrimEnd(']')
$ip = $null
if ([Net.IPAddress]::TryParse($target, [ref]$ip)) { $client = New-Object Net.Sockets.TcpClient($ip.AddressFamily) }
else { $client = New-Object Net.Sockets.TcpClient }
$reachable = $false
$errorText = ''
$watch = [Diagnostics.Stopwatch]::StartNew()
try {
    $attempt = $client.BeginConnect($target, $Port, $null, $null)
    if ($attempt.AsyncWaitHandle.WaitOne($TimeoutMs, $false)) {
        $client.EndConnect($attempt)
        $reachable = $true
    } else {
        $errorText = "no answer within $TimeoutMs ms"
    }
} catch {
    # Method calls wrap the SocketException in a MethodInvocationException; report the socket's own words.
    $failure = $_.Exception
    if ($null -ne $failure.InnerException) { $failure = $failure.InnerException }
    $errorText = $failure.Message
} finally {
    $client.Close()
}
$Ansible.Result = @{ address = $Address; port = $Port; reachable = $reachable
    elapsed_ms = [int]$watch.ElapsedMilliseconds; error = $errorText }
