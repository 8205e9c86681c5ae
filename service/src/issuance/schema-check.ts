/**
 * TypeBox's compiled schema checker for validation on the server (core/documents ValidationOptions
 * `schemaCheck`): each schema is compiled once, on first use. The core keeps the interpreted
 * checker by default, since compiling needs `new Function` and the verifier page may forbid it.
 */
import type { TSchema } from "@sinclair/typebox";
import { TypeCompiler, type TypeCheck } from "@sinclair/typebox/compiler";

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

/** Whether `value` matches `schema`, with the schema's compiled checker. */
export function compiledSchemaCheck(schema: TSchema, value: unknown): boolean {
  let checker = compiled.get(schema);
  if (checker === undefined) {
    checker = TypeCompiler.Compile(schema);
    compiled.set(schema, checker);
  }
  return checker.Check(value);
}
