/** The EMF specification's JSON schema (emf-schema.json), compiled once with ajv for the tests that validate records. */
import Ajv from 'ajv';
import schema from './emf-schema.json';

const ajv = new Ajv({ allErrors: true, strict: true });
const validate = ajv.compile(schema);

/** The schema's complaints about `record` (empty when it is a valid EMF document). */
export function emfSchemaErrors(record: unknown): string[] {
  return validate(record) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`);
}
