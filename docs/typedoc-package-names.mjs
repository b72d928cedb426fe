// TypeDoc adjustments for the API reference:
// - modules are named after their package ("@multiproc/pool"), not their entry's folder
//   ("pool/src"), since that is the name a reader installs;
// - the facade's page keeps only what the facade itself declares (it re-exports every package's
//   names; documenting them twice would double the reference and its search index), and the
//   properties of its default export point to the named export each one is;
// - members that every class has by convention (symbol-keyed ones such as `[Symbol.hasInstance]`
//   or `[util.inspect.custom]`, and `toString`) are left out, and a setter shares its getter's
//   comment, and so does a function type's signature its property's, so that the "not
//   documented" check flags only what a reader would miss.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Comment, Converter, ReflectionKind } from 'typedoc';

function packageNameOf(file) {
  for (let dir = dirname(file); dir !== dirname(dir); dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) return JSON.parse(readFileSync(manifest, 'utf8')).name;
  }
  return undefined;
}

const isConventional = (reflection) =>
  reflection.name.startsWith('[') ||
  (reflection.name === 'toString' && reflection.kindOf(ReflectionKind.Method));

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    const { project } = context;
    const modules = project.getChildrenByKind(ReflectionKind.Module);
    for (const module of modules) {
      const file = module.sources?.[0]?.fullFileName;
      const name = file && packageNameOf(file);
      if (name) module.name = name;
    }

    const facade = modules.find((module) => module.name === 'multiproc');
    if (facade) {
      const elsewhere = new Set(
        modules.filter((m) => m !== facade).flatMap((m) => (m.children ?? []).map((c) => c.name)),
      );
      for (const child of [...(facade.children ?? [])]) {
        if (elsewhere.has(child.name)) project.removeReflection(child);
      }
      const defaultExport = facade.getChildByName('default');
      for (const property of defaultExport?.type?.declaration?.children ?? []) {
        if (property.hasComment()) continue;
        property.comment = new Comment([
          { kind: 'text', text: 'The named export ' },
          { kind: 'code', text: `\`${property.name}\`` },
          { kind: 'text', text: ', as a property of the default export.' },
        ]);
      }
    }

    for (const reflection of project.getReflectionsByKind(
      ReflectionKind.Method | ReflectionKind.Property | ReflectionKind.Accessor,
    )) {
      if (isConventional(reflection)) {
        project.removeReflection(reflection);
      } else if (reflection.kindOf(ReflectionKind.Accessor)) {
        const getter = reflection.getSignature;
        const setter = reflection.setSignature;
        if (setter && !setter.hasComment() && getter?.hasComment())
          setter.comment = getter.comment.clone();
      }
    }

    // A property whose type is a function or constructor type (`Class: new () => T`) carries
    // the comment; the signature inside the type is the same thing.
    for (const signature of project.getReflectionsByKind(
      ReflectionKind.CallSignature | ReflectionKind.ConstructorSignature,
    )) {
      const owner = signature.parent?.parent;
      if (!owner?.kindOf(ReflectionKind.Property | ReflectionKind.Variable)) continue;
      if (!signature.hasComment() && owner.hasComment()) signature.comment = owner.comment.clone();
    }
  });
}
