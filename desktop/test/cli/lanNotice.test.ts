import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { lanNotice } from '../../src/cli/lanNotice.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '00:00:00:00:00:00', cidr: null, ...(family === 'IPv6' ? { scopeid: 0 } : {}) }) as NetworkInterfaceInfo;
const machine = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('192.168.1.23', 'IPv4', false), iface('fe80::1', 'IPv6', false)],
  wlan0: [iface('10.0.0.7', 'IPv4', false)],
};

describe('serve --host: the plain-HTTP warning and the LAN addresses', () => {
  it('says nothing for a loopback bind', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]']) expect(lanNotice(h, 8787, 't', machine)).toEqual([]);
  });

  it('a wildcard bind warns that the token travels in plain text and prints each real IPv4 address with the token', () => {
    const lines = lanNotice('0.0.0.0', 8787, 'a b&c', machine);
    expect(lines[0]).toMatch(/^warning: serving on 0\.0\.0\.0 over plain HTTP: the token .* unencrypted/);
    expect(lines.slice(1)).toEqual(['open from the LAN http://192.168.1.23:8787/?token=a%20b%26c', 'open from the LAN http://10.0.0.7:8787/?token=a%20b%26c']);
  });

  it('a bind to one address prints that address, bracketing IPv6', () => {
    expect(lanNotice('192.168.1.23', 9000, 't', machine).slice(1)).toEqual(['open from the LAN http://192.168.1.23:9000/?token=t']);
    expect(lanNotice('fd00::5', 9000, 't', machine).slice(1)).toEqual(['open from the LAN http://[fd00::5]:9000/?token=t']);
  });

  it('a wildcard bind on a machine with no external address says the LAN cannot reach it', () => {
    const lines = lanNotice('::', 8787, 't', { lo: machine.lo });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/no non-loopback IPv4 address/);
  });
});
