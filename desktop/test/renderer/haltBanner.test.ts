import { describe, expect, it } from 'vitest';
import { haltBannerText } from '../../src/renderer/lib/haltBanner.js';

const at = (ms: number) => `t${ms}`;

describe('renderer: the halt banner', () => {
  it('shows nothing while the broker takes orders (and for hosts that do not report halts)', () => {
    expect(haltBannerText(null, at)).toBeNull();
    expect(haltBannerText(undefined, at)).toBeNull();
  });

  it('offers "Resume entries" for an error burst, and says exits still go out', () => {
    const text = haltBannerText({ reason: 'error_burst', message: '5 failed exchange calls within 60 s', sinceMs: 42 }, at);
    expect(text).toEqual({
      title: 'New entries halted since t42: a burst of failed exchange calls',
      detail: '5 failed exchange calls within 60 s. Exits and protective orders still go out.',
      canResume: true,
    });
  });

  it('never offers a resume for a refused key: it must be fixed first', () => {
    const text = haltBannerText({ reason: 'authentication', message: 'the exchange refused the API key (bad key).', sinceMs: 7 }, at);
    expect(text?.canResume, 'an authentication halt is not lifted from the banner').toBe(false);
    expect(text?.title).toContain('refused the API key');
  });
});
