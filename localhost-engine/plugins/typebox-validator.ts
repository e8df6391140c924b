/**
 * Request validation with TypeBox's compiler, reporting the first wrong field by its path ("body/options/style:
 * …"), so a 400 names what to fix. For a union of objects (the summarize body), the branch is chosen by the
 * property only it has, so the error names the field of the shape the client meant instead of "no branch matched".
 */
import type { FastifySchemaCompiler } from 'fastify';
import { Kind, type TObject, type TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

function isObjectSchema(schema: TSchema): schema is TObject {
  return schema[Kind] === 'Object';
}

function pickBranch(schema: TSchema, data: unknown): TSchema {
  if (schema[Kind] !== 'Union' || !data || typeof data !== 'object') return schema;
  const branches = (schema.anyOf as TSchema[]).filter(isObjectSchema);
  const keys = Object.keys(data);
  for (const branch of branches) {
    const own = Object.keys(branch.properties).filter((k) =>
      branches.every((other) => other === branch || !(k in other.properties)),
    );
    if (own.some((k) => keys.includes(k))) return branch;
  }
  return schema;
}

/** The properties that tell the object branches of a union apart, for "expected one of" messages. */
function distinguishingKeys(schema: TSchema): string[] {
  const branches = ((schema.anyOf ?? []) as TSchema[]).filter(isObjectSchema);
  return branches.flatMap((branch) =>
    Object.keys(branch.properties).filter((k) =>
      branches.every((other) => other === branch || !(k in other.properties)),
    ),
  );
}

function describe(check: TypeCheck<TSchema>, data: unknown, part: string): string {
  const first = check.Errors(data).First();
  if (!first) return `${part} is invalid`;
  const where = `${part}${first.path}`;
  // TypeBox says only "Expected union value" when no branch fits (`{}`, an array, a string): say what would.
  const keys = first.schema[Kind] === 'Union' ? distinguishingKeys(first.schema) : [];
  if (keys.length > 0) {
    return `${where}: expected a JSON object with ${keys.map((k) => `"${k}"`).join(' or ')}`;
  }
  return `${where}: ${first.message}`;
}

/** A fastify validator compiler backed by TypeBox; errors carry `statusCode` 400 and code `invalid_request`. */
export const typeboxValidatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const cache = new Map<TSchema, TypeCheck<TSchema>>();
  const compiled = (s: TSchema): TypeCheck<TSchema> => {
    let c = cache.get(s);
    if (!c) cache.set(s, (c = TypeCompiler.Compile(s)));
    return c;
  };
  const part = httpPart ?? 'body';
  return (data: unknown) => {
    if (part === 'body' && (data === undefined || data === null)) {
      return { error: Object.assign(new Error('The request has no JSON body.'), { statusCode: 400 }) };
    }
    const whole = compiled(schema);
    if (whole.Check(data)) return { value: data };
    const branch = compiled(pickBranch(schema, data));
    return { error: Object.assign(new Error(describe(branch, data, part)), { statusCode: 400 }) };
  };
};
