import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import envPaths from 'env-paths';
import { databaseFileIn, resolveHome } from '../../src/store/index.js';

describe('resolveHome', () => {
  it('prefers --home over PERPSCOPE_HOME', () => {
    expect(resolveHome({ home: '/opt/a', env: { PERPSCOPE_HOME: '/opt/b' } })).toBe('/opt/a');
  });
  it('uses PERPSCOPE_HOME when no --home is given', () => {
    expect(resolveHome({ env: { PERPSCOPE_HOME: '/opt/b' } })).toBe('/opt/b');
  });
  it('falls back to the OS user data dir, treating empty values as unset', () => {
    const expected = envPaths('perpscope', { suffix: '' }).data;
    expect(resolveHome({ env: {} })).toBe(expected);
    expect(resolveHome({ home: '', env: { PERPSCOPE_HOME: '  ' } }), 'blank values do not count').toBe(expected);
  });
  it('resolves relative paths against cwd', () => {
    expect(resolveHome({ home: 'data', env: {}, cwd: '/srv' })).toBe('/srv/data');
    expect(resolveHome({ env: { PERPSCOPE_HOME: 'h' }, cwd: '/srv' })).toBe('/srv/h');
  });
  it('puts the database in the home', () => {
    expect(databaseFileIn('/opt/a')).toBe(join('/opt/a', 'perpscope.db'));
  });
});
