#!/usr/bin/env node
/** The `goodhart` command line. */
import { commands } from './commands/index.js';
import { ConfigError } from '../util/validate.js';

const USAGE = `goodhart — train against a proxy reward, measure the true reward

usage: goodhart <command> [options]

commands:
${Object.entries(commands)
  .map(([name, c]) => `  ${name.padEnd(9)} ${c.summary}`)
  .join('\n')}

Run "goodhart <command> --help" for a command's options.`;

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const command = commands[name];
  if (!command) {
    process.stderr.write(`goodhart: unknown command "${name}"; choose one of ${Object.keys(commands).join(', ')}\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`goodhart ${name} — ${command.summary}\n\n${command.usage}\n`);
    return 0;
  }
  return command.run(rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as Error;
    process.stderr.write(`goodhart: ${e instanceof ConfigError ? e.message : (e.stack ?? String(e))}\n`);
    process.exitCode = e instanceof ConfigError ? 2 : 1;
  },
);
