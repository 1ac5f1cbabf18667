/**
 * `overcloud roles list | show ROLE | generate [-o FILE] ROLE[:NEWNAME]...` (TripleO's; `role` works too):
 * the role files a roles directory offers (default: the templates' roles_data/, TripleO's roles/) and a
 * roles_data.yaml made of the ones asked for, in that order (orchestration/roles/role-files.ts). Runs in
 * the CLI: no daemon needed.
 */
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { availableRoles, generateRolesData, readRoleFile } from '../../orchestration/roles/role-files.js';
import { renderData, renderFields, renderTable } from '../common/output.js';
import { globals, out } from '../common/program.js';
import { writeFileAtomically } from '../common/write-file.js';

/** templates/roles_data of the tree this CLI belongs to (from source or from dist/). */
function defaultRolesPath(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); path.dirname(dir) !== dir; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'templates', 'roles_data');
    if (existsSync(candidate)) return candidate;
  }
  return path.resolve('templates', 'roles_data');
}

export function register(program: Command): void {
  const roles = program.command('roles').alias('role').description('the roles a roles_data.yaml can be made of (TripleO\'s roles list/show/generate)');
  const rolesPath = (c: Command) => c.option('--roles-path <dir>', 'directory of role files, one NAME.yaml per role (default: the templates\' roles_data/)');

  rolesPath(roles.command('list').description('list the roles of the roles directory'))
    .action((opts: { rolesPath?: string }, cmd: Command) => {
      const g = globals(cmd);
      const dir = opts.rolesPath ?? defaultRolesPath();
      const rows = availableRoles(dir).map((name) => {
        const r = readRoleFile(dir, name).role;
        return { name, count: r.countDefault, tags: r.tags, services: r.servicesDefault.length, description: (r.description ?? '').trim() };
      });
      out(renderData(rows, g.format, () => renderTable(rows, [
        { header: 'Role', get: (r) => r.name },
        { header: 'Count', get: (r) => String(r.count) },
        { header: 'Tags', get: (r) => r.tags.join(',') },
        { header: 'Services', get: (r) => String(r.services) },
        { header: 'Description', get: (r) => r.description.replace(/\s+/g, ' ') },
      ])));
    });

  rolesPath(roles.command('show').description('show one role of the roles directory').argument('<role>', 'role name'))
    .action((name: string, opts: { rolesPath?: string }, cmd: Command) => {
      const g = globals(cmd);
      const r = readRoleFile(opts.rolesPath ?? defaultRolesPath(), name).role;
      const view = {
        name: r.name, description: (r.description ?? '').trim(), count_default: r.countDefault, hostname_format_default: r.hostnameFormatDefault,
        image_default: r.imageDefault, tags: r.tags, role_parameters_default: r.roleParametersDefault, services_default: r.servicesDefault,
      };
      out(renderData(view, g.format, () => renderFields({ ...view, tags: view.tags.join(', '), role_parameters_default: JSON.stringify(view.role_parameters_default), services_default: view.services_default.join('\n') })));
    });

  rolesPath(roles.command('generate').description('write a roles_data.yaml of these roles, in this order; ROLE:NEWNAME adds ROLE under a new name (e.g. Compute:ComputeEdge)'))
    .argument('<roles...>', 'role names, or ROLE:NEWNAME')
    .option('-o, --output-file <file>', 'write it here (default: print it)')
    .action((names: string[], opts: { rolesPath?: string; outputFile?: string }) => {
      const text = generateRolesData(opts.rolesPath ?? defaultRolesPath(), names);
      if (!opts.outputFile) {
        out(text);
        return;
      }
      writeFileAtomically(opts.outputFile, text);
      process.stderr.write(`roles data written to ${opts.outputFile}: use it with overcloud deploy -r ${opts.outputFile}\n`);
    });
}
