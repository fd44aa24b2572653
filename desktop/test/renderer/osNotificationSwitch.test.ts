import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { createPinia } from 'pinia';
import { createSSRApp, type Component } from 'vue';
import { compileScript, parse } from 'vue/compiler-sfc';
import { renderToString } from 'vue/server-renderer';
import type { ApiClient, SettingsView } from '@perpscope/shared';
import { createSettingsAdapter } from '../../src/host/settingsAdapter.js';
import { API_KEY } from '../../src/renderer/stores/api.js';
import type { TransportKind } from '../../src/renderer/api.js';

/**
 * The settings page offers exactly one switch for OS notifications: the page's own (AlertPrefs) in
 * a browser, the host's alert sink (`alerts.sinks.desktop.enabled`, a field of the settings form)
 * in the desktop app, where the page's own would switch nothing. The real AlertPrefs.vue is
 * compiled and rendered on the server, with the transport the preload bridge gives (electron) or
 * the browser's (websocket); the form's fields come from the real settings adapter as each shell
 * builds it (the desktop app passes its notification switch, serve does not).
 */

const here = dirname(fileURLToPath(import.meta.url));
const renderer = resolve(here, '../../src/renderer');
const componentFile = join(renderer, 'components/AlertPrefs.vue');
// Inside the package (not under node_modules, which the runner loads untransformed), so the compiled
// component's `vue` and `pinia` resolve to the instances this test uses; removed afterwards.
const outDir = mkdtempSync(join(here, '.sfc-'));
afterAll(() => rmSync(outDir, { recursive: true, force: true }));

/** AlertPrefs.vue compiled to a module (script and template), its relative imports pointed at the sources. */
async function loadAlertPrefs(): Promise<Component> {
  const { descriptor, errors } = parse(readFileSync(componentFile, 'utf8'), { filename: componentFile });
  expect(errors).toEqual([]);
  const script = compileScript(descriptor, { id: 'alert-prefs', inlineTemplate: true });
  const js = ts.transpileModule(script.content, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: false } }).outputText;
  const absolute = js.replace(/from '(\.\.?\/[^']+)\.js'/g, (_m, rel: string) => `from '${pathToFileURL(resolve(dirname(componentFile), `${rel}.ts`)).href}'`);
  const out = join(outDir, 'AlertPrefs.mjs');
  writeFileSync(out, absolute);
  return ((await import(/* @vite-ignore */ pathToFileURL(out).href)) as { default: Component }).default;
}

async function renderPrefs(kind: TransportKind): Promise<string> {
  const app = createSSRApp(await loadAlertPrefs());
  app.use(createPinia());
  app.provide(API_KEY, { api: {} as ApiClient, kind });
  return renderToString(app);
}

/** The settings form's fields as a shell's host offers them (`desktopAlerts` only where OS notifications exist). */
function formFields(desktopShell: boolean): SettingsView['fields'] {
  const m = new Map<string, unknown>();
  const adapter = createSettingsAdapter({
    settings: { get: (k) => m.get(k), set: (k, v) => void m.set(k, v) },
    nowMs: () => 0,
    universe: { minQuoteVolumeUsd: 0, minPrice: 0, maxSpreadBps: 50, topN: 10, blueChipOnly: false } as never,
    profiles: { active: () => 'swing', names: () => ['swing'], apply: () => undefined },
    ...(desktopShell ? { desktopAlerts: true } : {}),
  });
  return (adapter.port.get() as SettingsView).fields;
}

/** Checkboxes of the rendered panel whose label speaks of OS notifications. */
function osCheckboxes(html: string): string[] {
  return [...html.matchAll(/<label[^>]*>([\s\S]*?)<\/label>/g)].map((m) => m[1]!).filter((l) => /type="checkbox"/.test(l) && /OS notification/i.test(l));
}

const osFields = (fields: SettingsView['fields']) => fields.filter((f) => f.kind === 'boolean' && /OS notification/i.test(f.label));

describe('one OS-notification switch on the settings page', () => {
  it('in a browser (no Electron bridge): the page’s own checkbox, and no host field', async () => {
    const html = await renderPrefs('websocket');
    expect(osCheckboxes(html), 'the panel has its checkbox').toHaveLength(1);
    expect(html).toContain('data-testid="alert-pref-desktop"');
    expect(osFields(formFields(false)), 'serve offers no host sink field').toHaveLength(0);
  });

  it('in the desktop app (Electron bridge): the host’s field only, the panel points to it', async () => {
    const html = await renderPrefs('electron');
    expect(osCheckboxes(html), 'no second checkbox in the panel').toHaveLength(0);
    expect(html).not.toContain('data-testid="alert-pref-desktop"');
    const fields = osFields(formFields(true));
    expect(fields.map((f) => f.path), 'the host offers its switch').toEqual(['alerts.sinks.desktop.enabled']);
    // The pointer names the field the trader will find in the form.
    expect(html).toContain(`“${fields[0]!.label}” under ${fields[0]!.group[0]!.toUpperCase()}${fields[0]!.group.slice(1)}`);
  });

  it('the other deliveries stay checkboxes in both shells', async () => {
    for (const kind of ['websocket', 'electron'] as const) {
      const html = await renderPrefs(kind);
      for (const id of ['alert-pref-fills', 'alert-pref-manipulation', 'alert-pref-signals', 'alert-pref-sound']) expect(html, `${kind}: ${id}`).toContain(`data-testid="${id}"`);
    }
  });
});
