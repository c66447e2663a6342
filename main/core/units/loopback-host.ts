/**
 * Whether a host name or address is this machine's loopback: 127.0.0.0/8, ::1 (bracketed or not), an IPv4-mapped
 * 127.x address, or `localhost`. A refused connection there is a local service that is not running (LocalStack,
 * moto, a kind cluster), never a network blip; a model server there is the user's own.
 */
export function isLoopbackHost(host: string): boolean {
  return /^(127(\.\d{1,3}){3}|localhost|\[?::1\]?|\[?::ffff:127(\.\d{1,3}){3}\]?)$/i.test(host);
}
