/** The data pipeline's record contract: types, schemas, validation, message keys, dedupe ids. */
export * from './canonicalJson';
export * from './dataTypes';
export * from './keys';
export * from './schemas';
export * from './secrets';
export * from './validate';
