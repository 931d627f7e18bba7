import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { DataRecordByType, DataType } from './schemas';
import { DATA_SCHEMAS, DATA_TYPES } from './schemas';

export type DataValidators = { [T in DataType]: ValidateFunction<DataRecordByType[T]> };

/** ajv options of the data schemas (allErrors: a rejected record's log line names every problem); the build's precompiled validators use the same. */
export const DATA_AJV_OPTIONS = { allErrors: true, allowUnionTypes: true, strict: true } as const;
/** The formats the data schemas use, from ajv-formats. */
export const DATA_FORMATS = ['date-time'] as const;

let compiled: DataValidators | undefined;

/**
 * The validate function of each data record type. Run from source (tests, tools), ajv compiles
 * them on first use. In a worker bundle the build puts in their place the same functions compiled
 * at build time by ajv's standalone code generator (tools/build/bundle.ts), so processData and
 * sendData neither load ajv nor compile the schemas in their cold start.
 */
export function dataValidators(): DataValidators {
  if (!compiled) {
    const ajv = new Ajv(DATA_AJV_OPTIONS);
    addFormats(ajv, [...DATA_FORMATS]);
    compiled = Object.fromEntries(DATA_TYPES.map((type) => [type, ajv.compile(DATA_SCHEMAS[type])])) as DataValidators;
  }
  return compiled;
}
