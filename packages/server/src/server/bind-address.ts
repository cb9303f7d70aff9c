/**
 * `HOST:PORT` bind addresses of the flags (`127.0.0.1:3904`, `[::1]:3904`, `0.0.0.0:0`).
 */
export interface BindAddress {
  readonly host: string;
  readonly port: number;
}

export function parseBindAddress(text: string, what: string): BindAddress {
  const m = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s[\]]+)):(\d{1,5})$/.exec(text.trim());
  const port = m === null ? NaN : Number(m[3]);
  if (m === null || port > 65535) {
    throw new Error(`invalid ${what} address '${text}': expected HOST:PORT, e.g. 127.0.0.1:3904 or [::1]:3904`);
  }
  return { host: (m[1] ?? m[2])!, port };
}
