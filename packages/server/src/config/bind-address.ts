/**
 * Listen addresses, as Garage's `api_bind_addr`: `HOST:PORT` (`127.0.0.1:3904`, `[::]:3902`,
 * `0.0.0.0:0`), or an absolute path for a Unix socket (`/run/k2v/k2v.sock`).
 */
export type BindAddress = { readonly kind: 'tcp'; readonly host: string; readonly port: number } | { readonly kind: 'unix'; readonly path: string };

/** Why `text` is not an address, or undefined when it is one. */
export function bindAddressProblem(text: string): string | undefined {
  return parse(text) === undefined ? `'${text}' is not HOST:PORT (e.g. 127.0.0.1:3904 or [::]:3904) nor an absolute Unix socket path` : undefined;
}

export function parseBindAddress(text: string, what: string): BindAddress {
  const addr = parse(text);
  if (addr === undefined) throw new Error(`invalid ${what} address: ${bindAddressProblem(text)!}`);
  return addr;
}

function parse(text: string): BindAddress | undefined {
  // Garage's rule: a path starts with '/'.
  if (text.startsWith('/')) return { kind: 'unix', path: text };
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) return undefined;
  return { kind: 'tcp', host: (m[1] ?? m[2])!, port };
}
