export * from './constants.ts';
export * from './coded-error.ts';
export * from './close-codes.ts';
export * from './assertion-keys.ts';
export * from './edge-assertion.ts';
export * from './device-token-errors.ts';
export * from './device-token-keys.ts';
export * from './device-token-verifier.ts';
