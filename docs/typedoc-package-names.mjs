// TypeDoc names a module after its entry point's folder ("pool/src"); a reader looks for the
// package name they install ("@multiproc/pool"), which is the name on the nearest package.json.
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Converter, ReflectionKind } from 'typedoc';

function packageNameOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).name;
  }
  return undefined;
}

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const module of context.project.getChildrenByKind(ReflectionKind.Module)) {
      const file = module.sources?.[0]?.fullFileName;
      const name = file && packageNameOf(file);
      if (name) module.name = name;
    }
    // The facade re-exports every package's names; documenting them twice would double the
    // reference and its search index, so its page keeps only what the facade itself declares.
    const modules = context.project.getChildrenByKind(ReflectionKind.Module);
    const facade = modules.find((module) => module.name === 'multiproc');
    if (!facade) return;
    const elsewhere = new Set(
      modules.filter((m) => m !== facade).flatMap((m) => (m.children ?? []).map((c) => c.name)),
    );
    for (const child of [...(facade.children ?? [])]) {
      if (elsewhere.has(child.name)) context.project.removeReflection(child);
    }
  });
}
