// The space of a restore: find or create the target space (same key by default, a new key, or an existing
// space), then its settings: permissions whose principals exist on the target, properties, labels (v1), page
// templates, settings, theme and look and feel (v1). The archived state cannot be written through the REST API:
// it is reported as a warning.

import { isDeepStrictEqual } from 'node:util';
import { StepvaultError } from '../../../common/errors.ts';
import type { ConfluenceClient } from '../../../sources/confluence/client/client.ts';
import type { SpaceLook, SpaceMeta, SpaceRecord } from '../../../sources/confluence/layout.ts';
import { attempt, type SpaceRestore, type TargetSpace } from './context.ts';
import type { RestoreJournal } from './journal.ts';
import { Principals } from './principals.ts';
import type { RestoreReport } from './report.ts';

export type SpaceMode =
  /** The space with the same key on the same site: roll back, un-trash, recreate. */
  | { kind: 'in-place' }
  /** A space that must exist already. */
  | { kind: 'existing'; key: string }
  /** A space that must not exist yet; created with this key and name. */
  | { kind: 'new'; key: string; name: string | undefined }
  /** The snapshot's key: used if it exists, created otherwise. */
  | { kind: 'same-key' };

export interface ResolveSpaceInput {
  client: ConfluenceClient;
  journal: RestoreJournal;
  report: RestoreReport;
  source: SpaceRecord;
  mode: SpaceMode;
  dryRun: boolean;
  signal: AbortSignal | undefined;
}

function targetKeyOf(source: SpaceRecord, mode: SpaceMode): string {
  return mode.kind === 'existing' || mode.kind === 'new' ? mode.key : source.key;
}

/** Finds or creates the target space; a journal that already names it wins (a resumed restore). */
export async function resolveTargetSpace(input: ResolveSpaceInput): Promise<TargetSpace> {
  const { client, journal, source, mode, signal } = input;
  const call = signal ? { signal } : {};
  const key = targetKeyOf(source, mode);
  const found = await client.findSpaceByKey(key, call);
  const known = journal.state.space;
  if (found) {
    if (mode.kind === 'new' && !(known && known.id === found.id)) {
      throw new StepvaultError('conflict', `space ${key} already exists on the target`, {
        hint: `restore into it with --target-space ${key}, or choose another key for --new-space`,
      });
    }
    if (!known)
      await journal.record({
        t: 'space',
        key: found.key,
        id: found.id,
        ...(found.homepageId ? { homepageId: found.homepageId } : {}),
        created: false,
      });
    return { key: found.key, id: found.id, homepageId: found.homepageId ?? undefined, fresh: false };
  }
  if (mode.kind === 'existing' || mode.kind === 'in-place') {
    throw new StepvaultError('not-found', `space ${key} does not exist on the target`, {
      hint:
        mode.kind === 'in-place'
          ? 'an in-place restore needs the space on the same site; restore into a new space with --new-space KEY'
          : 'create it first, or let the restore create it with --new-space KEY',
    });
  }
  const name = (mode.kind === 'new' ? mode.name : undefined) ?? source.name;
  input.report.counts.spacesCreated++;
  if (input.dryRun) return { key: key.toUpperCase(), id: '', homepageId: undefined, fresh: true };
  let created = await client.createSpace(
    { key, name, ...(source.description !== '' ? { description: source.description } : {}) },
    call,
  );
  // The homepage stands for the snapshot's: read the space again if the answer did not name it.
  if (!created.homepageId) created = (await client.findSpaceByKey(created.key, call)) ?? created;
  await journal.record({
    t: 'space',
    key: created.key,
    id: created.id,
    ...(created.homepageId ? { homepageId: created.homepageId } : {}),
    created: true,
  });
  return { key: created.key, id: created.id, homepageId: created.homepageId ?? undefined, fresh: true };
}

function permissionKey(type: string, id: string, operation: string, target: string): string {
  return `${type}:${id}:${operation}:${target}`;
}

/** Permissions and properties of the space (once per journal), warnings for what cannot be written. */
export async function restoreSpaceSettings(ctx: SpaceRestore, meta: SpaceMeta): Promise<void> {
  const { client, journal, report, target } = ctx;
  const space = ctx.source.key;
  // A space the restore creates is current.
  if (target.fresh && ctx.source.status === 'archived')
    report.warn(`space ${space} was archived; it is restored as a current space (archive it in Confluence)`);
  if (journal.state.done.has('space-settings')) return;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const dry = ctx.settings.dryRun;

  const have = new Set<string>();
  const properties = new Map<string, unknown>();
  const labels = new Set<string>();
  if (target.id !== '') {
    for await (const l of client.listSpaceLabels(target.id, call))
      labels.add(`${l.prefix ?? 'global'}:${l.name}`);
    for await (const p of client.listSpacePermissions(target.id, call))
      have.add(
        permissionKey(p.principal.type, p.principal.id ?? '', p.operation.key, p.operation.targetType),
      );
    for await (const p of client.listSpaceProperties(target.id, call)) properties.set(p.key, p.value);
  }
  const principals = new Principals(ctx);
  for (const p of meta.permissions) {
    const { type } = p.principal;
    let id = p.principal.id;
    if ((type !== 'user' && type !== 'group') || id === undefined) {
      report.warn(`space ${space}: permissions of ${type} principals cannot be restored`);
      continue;
    }
    // A group whose name the backup recorded is found by id or by that name; one without (an older backup)
    // is written by id, and the target says whether it knows it.
    const groupName = type === 'group' ? meta.groupNames?.[id] : undefined;
    if (groupName !== undefined) {
      const found = await principals.group(id, groupName);
      if (found === undefined) {
        report.failed(
          space,
          `space ${space}: permission ${p.operation.key} ${p.operation.targetType} for group ${groupName}`,
          'no such group on the target',
        );
        continue;
      }
      id = found;
    }
    if (have.has(permissionKey(type, id, p.operation.key, p.operation.targetType))) continue;
    report.counts.spacePermissions++;
    if (dry) continue;
    await attempt(
      ctx,
      `space ${space}: permission ${p.operation.key} ${p.operation.targetType} for ${type} ${id}`,
      () =>
        client.addSpacePermission(
          target.key,
          { principal: { type, id }, operation: { key: p.operation.key, target: p.operation.targetType } },
          call,
        ),
    );
  }
  for (const p of meta.properties) {
    if (properties.has(p.key)) {
      if (JSON.stringify(properties.get(p.key)) !== JSON.stringify(p.value))
        report.failed(space, `space property ${p.key}`, 'the target space has another value under this key');
      continue;
    }
    report.counts.spaceProperties++;
    if (dry) continue;
    await attempt(ctx, `space ${space}: property ${p.key}`, () =>
      client.createSpaceProperty(target.id, { key: p.key, value: p.value }, call),
    );
  }
  // Labels the space lacks (it keeps its own); `system` labels are Confluence's to set.
  const missing = meta.labels.filter((l) => l.prefix !== 'system' && !labels.has(`${l.prefix}:${l.name}`));
  report.counts.labels += missing.length;
  if (missing.length > 0 && !dry)
    await attempt(ctx, `space ${space}: labels`, () =>
      client.addSpaceLabels(
        target.key,
        missing.map((l) => ({ name: l.name, prefix: l.prefix as 'global' | 'my' | 'team' })),
        call,
      ),
    );
  await restoreTemplates(ctx, meta);
  if (meta.look) await restoreLook(ctx, meta.look);
  if (!dry) await journal.record({ t: 'done', step: 'space-settings' });
}

/**
 * The space's settings, theme and look and feel, each written only where the target differs. A theme the target
 * does not have installed is reported (and a look and feel that uses it is left as it is).
 */
async function restoreLook(ctx: SpaceRestore, look: SpaceLook): Promise<void> {
  const { client, report, target } = ctx;
  const space = ctx.source.key;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const dry = ctx.settings.dryRun;
  const fresh = target.id === '';
  const [settings, themeKey, current] = fresh
    ? [undefined, undefined, undefined]
    : await Promise.all([
        client.getSpaceSettings(target.key, call),
        client.getSpaceTheme(target.key, call),
        client.getLookAndFeel(target.key, call),
      ]);
  const change = async (what: string, write: () => Promise<void>): Promise<boolean> => {
    report.counts.spaceSettings++;
    if (dry) return true;
    const done = await attempt(ctx, `space ${space}: ${what}`, async () => {
      await write();
      return true;
    });
    return done === true;
  };
  if (settings?.routeOverrideEnabled !== look.routeOverrideEnabled)
    await change('settings', () => client.updateSpaceSettings(target.key, look.routeOverrideEnabled, call));
  let themed = themeKey !== undefined && themeKey === look.themeKey;
  if (look.themeKey !== undefined && !themed)
    themed = await change(`theme ${look.themeKey}`, () =>
      client.setSpaceTheme(target.key, look.themeKey!, call),
    );
  const custom = look.selected === 'custom' ? look.custom : undefined;
  if (custom && !isDeepStrictEqual(current?.custom, custom))
    await change('custom look and feel', () => client.setCustomLookAndFeel(target.key, custom, call));
  if (look.selected === 'theme' && !themed) return;
  if (current?.selected !== look.selected)
    await change(`look and feel (${look.selected})`, () =>
      client.selectLookAndFeel(target.key, look.selected, call),
    );
}

/**
 * The space's page templates: each one the target space lacks by name is created (a template of the same name
 * there is kept as it is, and reported when its body differs). Template ids are new on the target.
 */
async function restoreTemplates(ctx: SpaceRestore, meta: SpaceMeta): Promise<void> {
  const { client, report, target } = ctx;
  const space = ctx.source.key;
  if (!meta.templates || meta.templates.length === 0) return;
  const call = ctx.signal ? { signal: ctx.signal } : {};
  const have = new Map<string, string>();
  if (target.id !== '')
    for await (const t of client.listSpaceTemplates(target.key, call))
      have.set(t.name, t.body?.storage?.value ?? '');
  for (const t of meta.templates) {
    const held = have.get(t.name);
    if (held !== undefined) {
      if (held !== t.storage)
        report.failed(space, `template "${t.name}"`, 'the target space has another template of this name');
      continue;
    }
    report.counts.templates++;
    if (ctx.settings.dryRun) continue;
    await attempt(ctx, `space ${space}: template "${t.name}"`, async () => {
      await client.createSpaceTemplate(target.key, t, call);
      have.set(t.name, t.storage);
    });
  }
}
