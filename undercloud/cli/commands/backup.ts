/**
 * `undercloud backup [--output FILE] [--include-images]` and `undercloud restore FILE [--force]`
 * (install/backup.ts says what an archive holds and how a restore keeps what it replaces).
 */
import type { Command } from 'commander';
import { renderData, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';

export function register(program: Command): void {
  program
    .command('backup')
    .description('archive what the undercloud cannot rebuild: config, store (a consistent snapshot, also while the daemon runs), CA and certificates; images with --include-images')
    .option('-o, --output <file>', 'the archive (.tar.gz or .tgz: gzip; .tar: none); it must not exist', `undercloud-backup-${new Date().toISOString().replace(/[:.]/g, '-')}.tar.gz`)
    .option('--include-images', 'also archive the image store (large)', false)
    .action(async (opts: { output: string; includeImages: boolean }, c: Command) => {
      const g = globals(c);
      const [{ loadConfig }, { createBackup }] = await Promise.all([import('../../daemon/config.js'), import('../../install/backup.js')]);
      const r = await createBackup(loadConfig(g.config), g.config, { output: opts.output, includeImages: opts.includeImages });
      out(renderData(r, g.format, () => `backup written to ${r.file} (${(r.bytes / 1024 / 1024).toFixed(1)} MiB: ${r.contents.join(', ')}); it holds the CA key and BMC passwords: keep it safe\n`));
    });

  program
    .command('restore')
    .description('put a backup back: config (at --config), store, certificates and images; the daemon must be stopped; what it replaces is kept beside it')
    .argument('<file>', 'an archive made by undercloud backup')
    .option('--force', 'replace an existing store, config, certificates or images (each is kept as NAME.before-restore-TIME)', false)
    .action(async (file: string, opts: { force: boolean }, c: Command) => {
      const g = globals(c);
      const { restoreBackup } = await import('../../install/backup.js');
      const steps = await restoreBackup(g.config, file, { force: opts.force });
      out(renderData({ steps }, g.format, () => renderTable(steps, [
        { header: 'Restored', get: (s) => s.what },
        { header: 'Path', get: (s) => s.path },
        { header: 'Previous kept as', get: (s) => s.keptAs ?? '' },
      ]) + `start the undercloud: undercloud start --config ${g.config} (on a new host: undercloud install --config ${g.config})\n`));
    });
}
