/**
 * The command line of a bench script, read before any work: `--help` prints the usage and
 * exits 0; a flag the script does not take, a flag without its value, or a number that is not
 * one is one line and exit 2. The scripts had ignored unknown flags (`scaling.mjs --help` started
 * its full run) and read `--tolerance abc` as NaN, which passed every figure of bench:ci.
 * No import from dist/: it answers on a fresh clone too.
 *
 * `flags`: name -> 'switch' (no value), 'text', or { min, integer } for a number. `args`: the
 * process's own by default.
 */
export function readOptions(usage, flags, args = process.argv.slice(2)) {
  const fail = (why) => {
    process.stderr.write(`${why}\n${usage}\n`);
    process.exit(2);
  };
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(`${usage}\n`);
    process.exit(0);
  }
  const options = {};
  for (let i = 0; i < args.length; i++) {
    const name = args[i];
    const kind = flags[name];
    if (kind === undefined) fail(`unknown option '${name}'`);
    if (kind === 'switch') {
      options[name] = true;
      continue;
    }
    const value = args[++i];
    if (value === undefined || value.startsWith('--')) fail(`${name} needs a value`);
    if (kind === 'text') {
      options[name] = value;
      continue;
    }
    const number = Number(value);
    if (value.trim() === '' || !Number.isFinite(number) || number < kind.min || (kind.integer && !Number.isInteger(number)))
      fail(`${name} must be ${kind.integer ? 'an integer' : 'a number'} of at least ${kind.min}, got '${value}'`);
    options[name] = number;
  }
  return options;
}
