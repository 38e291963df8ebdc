/** The host of a server URL as a socket takes it: URL keeps an IPv6 literal in brackets (`[::1]`). */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}
