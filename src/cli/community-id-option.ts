import type { Command } from 'commander';
import { COMMUNITY_ID_SEED_MAX, setCommunityIdSeed } from '../output/community-id.js';
import { parseIntOption } from './run-action.js';

/**
 * `--community-id-seed` for the commands that write records (extract,
 * score, live). The seed is set before the command's action runs, so every
 * record the run writes carries the id under it.
 */
export function addCommunityIdOption(cmd: Command): Command {
  return cmd
    .option(
      '--community-id-seed <n>',
      `seed of the Community ID v1 flow hash in every record (0-${COMMUNITY_ID_SEED_MAX}); use the seed the other sensors (Suricata, Zeek) use`,
      parseIntOption('--community-id-seed', 0, COMMUNITY_ID_SEED_MAX),
      0,
    )
    .hook('preAction', (c) => {
      setCommunityIdSeed((c.opts() as { communityIdSeed: number }).communityIdSeed);
    });
}
