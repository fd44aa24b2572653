import { InvalidArgumentError } from 'commander';

/** commander value parsers that name the flag, the value and what was expected. */
export function intOption(flag: string, min: number, max: number) {
  return (raw: string): number => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(raw)}, expected an integer from ${min} to ${max}`);
    }
    return n;
  };
}

export function listOption(flag: string, allowed?: readonly string[]) {
  return (raw: string): string[] => {
    const items = raw.split(',').map((s) => s.trim()).filter(Boolean);
    if (!items.length) throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(raw)}, expected a comma-separated list`);
    if (allowed) {
      const bad = items.filter((i) => !allowed.includes(i));
      if (bad.length) throw new InvalidArgumentError(`${flag}: got ${JSON.stringify(bad.join(','))}, expected values from ${allowed.join(', ')}`);
    }
    return items;
  };
}
