/** `qpuc cache [dir|clear]`: where compiled kernels are cached on disk, and emptying it. */
import type { Command } from '../command.ts';
import { UsageError, parseArgs } from '../command.ts';
import { DiskCache, cacheDirectory } from '../../runtime/disk-cache.ts';

const usage = `usage: qpuc cache [dir | clear]

The runtime keeps compiled kernels on disk, keyed by the kernel source (and
the files it imports), the compile options and the qpuc version, so a second
run of an unchanged kernel does not compile it again.

  qpuc cache dir     print the cache directory (the default command)
  qpuc cache clear   delete every cached kernel (the same as deleting the directory)

The directory is $QPUC_CACHE_DIR if set; else node_modules/.cache/qpuc of
the nearest project; else $XDG_CACHE_HOME/qpuc (~/.cache/qpuc).
QPUC_CACHE=off turns the cache off.
`;

export const command: Command = {
  name: 'cache',
  usage,
  async run(args, io) {
    const p = parseArgs(args, {});
    const [action = 'dir', ...extra] = p.positionals;
    if (extra.length > 0 || (action !== 'dir' && action !== 'clear')) throw new UsageError(`unknown cache action '${[action, ...extra].join(' ')}' (expected dir or clear)`);
    const dir = cacheDirectory();
    if (dir === undefined) {
      io.out('the compile cache is off (QPUC_CACHE)\n');
      return 0;
    }
    if (action === 'dir') {
      io.out(`${dir}\n`);
      return 0;
    }
    DiskCache.open(dir)?.clear();
    io.out(`cleared ${dir}\n`);
    return 0;
  },
};
