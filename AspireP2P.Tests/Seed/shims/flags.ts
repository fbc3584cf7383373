// AspireP2P's stand-in for https://deno.land/std@0.159.0/flags/mod.ts (deno.land is not reachable here).
// Only what the tutorial's server.ts uses: parse(Deno.args) for "--key value" and "--key=value" flags.
// As std's parse does by default, a value that looks like a number becomes a number, a flag with no
// value becomes true, and everything else (and everything after "--") is collected in "_".

export interface Args {
  _: Array<string | number>;
  // deno-lint-ignore no-explicit-any
  [key: string]: any;
}

const numeric = /^(?:0x[0-9a-f]+|[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?)$/i;

function typed(value: string): string | number {
  return numeric.test(value) ? Number(value) : value;
}

export function parse(args: string[]): Args {
  const parsed: Args = { _: [] };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === '--') {
      parsed._.push(...args.slice(i + 1).map(typed));
      break;
    }

    const flag = /^--([^=]+)(?:=([\s\S]*))?$/.exec(arg);
    if (!flag) {
      parsed._.push(typed(arg));
      continue;
    }

    const [, key, inline] = flag;
    if (inline !== undefined) {
      parsed[key] = typed(inline);
    } else if (i + 1 < args.length && !args[i + 1].startsWith('--')) {
      parsed[key] = typed(args[++i]);
    } else {
      parsed[key] = true;
    }
  }

  return parsed;
}
